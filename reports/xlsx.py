"""A report's table as an Excel workbook (openpyxl), for the scheduled e-mails and downloads."""

from __future__ import annotations

from io import BytesIO

from django.utils.translation import gettext as _
from openpyxl import Workbook


def report_xlsx(name: str, result: dict) -> bytes:
    """One sheet: the row headers, a currency column for amounts, a column per pivot value
    (or the measure), a total; then the conversion's basis when there was one."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet(title=(name or _("Report"))[:31].replace("/", "-"))
    money = result["measure"]["unit"] == "money"
    header = [d["label"] for d in result["row_dimensions"]]
    if money:
        header.append(_("Currency"))
    header += [c["label"] for c in result["columns"]] or [result["measure"]["label"]]
    if result["columns"]:
        header.append(_("Total"))
    sheet.append(header)
    for line in result["rows"]:
        cells = list(line["labels"])
        if money:
            cells.append(line["currency"])
        cells += list(line["cells"])
        if result["columns"]:
            cells.append(line["total"])
        sheet.append(cells)
    conversion = result.get("conversion")
    if conversion:
        sheet.append([])
        sheet.append(
            [
                _("Converted into %(currency)s at the rates of %(day)s.")
                % {"currency": conversion["currency"], "day": conversion["rates_of"]}
            ]
        )
        if conversion["missing_currencies"]:
            sheet.append(
                [_("No rate for: %(list)s") % {"list": ", ".join(conversion["missing_currencies"])}]
            )
    if result["truncated"]:
        sheet.append([_("Only the first groups are shown; narrow the report.")])
    out = BytesIO()
    book.save(out)
    return out.getvalue()

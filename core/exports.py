"""Exports of any filtered list as CSV or XLSX, streamed in constant memory.

CSV is a `StreamingHttpResponse` fed row by row from `queryset.iterator()`; XLSX is written by
openpyxl's write-only workbook (rows go straight to a temporary file). Both start with a
byte-order mark / typed cells so Chinese Excel opens them correctly.

Spreadsheet formula injection: a cell that starts with `=`, `+`, `-`, `@`, a tab or a carriage
return would run as a formula when the CSV is opened in a spreadsheet, so CSV cells get a
leading apostrophe; XLSX cells are written as strings, never formulas.
"""

from __future__ import annotations

import csv
import datetime as dt
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from urllib.parse import quote

from django.db import models
from django.http import FileResponse, StreamingHttpResponse
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from . import policy
from .custom_fields.display import custom_export_columns
from .money import amounts_shown

FORMATS = ("csv", "xlsx")
# What a spreadsheet may run as a formula: ASCII and the full-width forms a Chinese IME types.
# The one list: every CSV this application writes goes through `safe_text`.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "\n", "＝", "＋", "－", "＠")
CHUNK = 2000


@dataclass(frozen=True)
class ExportColumn:
    """One column: its header (translatable) and how to read it from a row."""

    header: Any
    value: Callable[[Any], Any]


def plain(value: Any) -> Any:
    """A cell value: dates as ISO dates, choices and records as text, None as empty."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return (
            timezone.localtime(value).strftime("%Y-%m-%d %H:%M")
            if timezone.is_aware(value)
            else value.strftime("%Y-%m-%d %H:%M")
        )
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, bool | int | Decimal):
        return value
    return str(value)


def safe_text(value: Any) -> str:
    """The cell as CSV text, neutralised so no spreadsheet runs it as a formula."""
    text = "" if value is None else str(value)
    if text.startswith(FORMULA_PREFIXES):
        return "'" + text
    return text


class Echo:
    """A file-like object whose write returns what it was given (for csv.writer)."""

    def write(self, value: str) -> str:
        return value


def csv_lines(header: list[str], rows: Iterable[list[Any]]) -> Iterator[str]:
    """CSV text line by line, with a BOM first (Excel then reads UTF-8), every cell safe."""
    writer = csv.writer(Echo())
    yield "\ufeff" + writer.writerow([safe_text(h) for h in header])
    for row in rows:
        yield writer.writerow([safe_text(plain(v)) for v in row])


def _attachment(filename: str) -> str:
    return f"attachment; filename*=UTF-8''{quote(filename)}"


def _rows(queryset: models.QuerySet | Iterable, columns: list[ExportColumn]) -> Iterator[list]:
    items = queryset.iterator(chunk_size=CHUNK) if hasattr(queryset, "iterator") else queryset
    for obj in items:
        yield hide_amounts(obj, [column.value(obj) for column in columns])


def hide_amounts(obj, cells: list) -> list:
    """A row's cells, its amounts (decimal cells) blank when the row was
    annotated as one whose amounts the user may not see (`policy.with_amounts_shown`)."""
    if amounts_shown(obj):
        return cells
    return ["" if isinstance(cell, Decimal) else cell for cell in cells]


def export_response(
    *, queryset, columns: list[ExportColumn], file_format: str, filename: str, user
) -> StreamingHttpResponse | FileResponse:
    """The download of `queryset` (already filtered and policy-scoped) as CSV or XLSX, of the
    rows `user` may export (a configured role that shows rows need not let them leave); a
    record type's active custom fields follow its columns (issue 20.2)."""
    if isinstance(queryset, models.QuerySet):
        queryset = policy.restrict(queryset, user, "export")
        queryset, extra = custom_export_columns(queryset)
        queryset, _hiding = policy.with_amounts_shown(queryset, user)
        columns = [*columns, *(ExportColumn(header, value) for header, value in extra)]
    header = [str(c.header) for c in columns]
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    if file_format == "xlsx":
        return _xlsx(header, _rows(queryset, columns), f"{filename}-{stamp}.xlsx")
    response = StreamingHttpResponse(
        csv_lines(header, _rows(queryset, columns)), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = _attachment(f"{filename}-{stamp}.csv")
    return response


def _xlsx(header: list[str], rows: Iterable[list], filename: str) -> FileResponse:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet()
    sheet.append(header)
    for row in rows:
        cells = []
        for value in row:
            value = plain(value)
            if isinstance(value, str):  # control characters cannot be stored in a workbook
                value = ILLEGAL_CHARACTERS_RE.sub("", value)
            cell = WriteOnlyCell(sheet, value=value)
            if isinstance(value, str):
                cell.data_type = "s"  # text, never a formula
            cells.append(cell)
        sheet.append(cells)
    spool = tempfile.TemporaryFile()  # noqa: SIM115 - FileResponse closes it
    workbook.save(spool)
    spool.seek(0)
    response = FileResponse(
        spool,
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = _attachment(filename)
    return response

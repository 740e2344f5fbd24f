"""Reading an uploaded CSV or XLSX file row by row, in constant memory.

CSV: UTF-8 (with or without a byte-order mark) or GB18030 (what Chinese Excel saves); anything
else is refused with a clear message. XLSX: openpyxl in read-only mode, first sheet. Every row
comes out as a list of strings; fully empty rows are skipped.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import zipfile
from collections.abc import Iterator
from typing import IO

from django.conf import settings
from django.utils.translation import gettext as _

from core.errors import ValidationFailed

#: Refuse files above this size (bytes); settings.IMPORT_MAX_BYTES overrides.
DEFAULT_MAX_BYTES = 50 * 1024 * 1024
#: Refuse files with more data rows than this; settings.IMPORT_MAX_ROWS overrides.
DEFAULT_MAX_ROWS = 200_000
ENCODINGS = ("utf-8-sig", "gb18030")
_CHUNK = 1 << 16


def max_bytes() -> int:
    return int(getattr(settings, "IMPORT_MAX_BYTES", DEFAULT_MAX_BYTES))


def max_rows() -> int:
    return int(getattr(settings, "IMPORT_MAX_ROWS", DEFAULT_MAX_ROWS))


def file_error(message: str) -> ValidationFailed:
    return ValidationFailed(message, code="bad_file", fields={"file": [message]})


def detect_format(name: str, head: bytes) -> str:
    """ "csv" or "xlsx" from the file's name and first bytes; anything else is refused."""
    lower = (name or "").lower()
    if lower.endswith(".xlsx"):
        if not head.startswith(b"PK\x03\x04"):
            raise file_error(_("This .xlsx file is damaged or is not really an Excel file."))
        return "xlsx"
    if lower.endswith(".xls"):
        raise file_error(_("Old .xls files are not supported: save the sheet as .xlsx or CSV."))
    if lower.endswith((".csv", ".txt")):
        if head.startswith(b"PK\x03\x04"):
            raise file_error(_("This file is a spreadsheet, not CSV: name it .xlsx."))
        return "csv"
    raise file_error(_("Upload a .csv or .xlsx file."))


def check_size(size: int) -> None:
    if size <= 0:
        raise file_error(_("The file is empty."))
    if size > max_bytes():
        raise file_error(
            _("The file is too large (%(size)s MB); the limit is %(limit)s MB.")
            % {"size": round(size / 1024 / 1024, 1), "limit": max_bytes() // 1024 // 1024}
        )


#: Byte-order marks of the encodings a CSV may not be in (UTF-32's before UTF-16's).
_WIDE_BOMS = (codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)


def _refuse_binary(binary: IO[bytes]) -> None:
    """UTF-16/32 text (with or without a byte-order mark) and binary files hold NUL bytes, which
    no UTF-8 or GB18030 text file does, yet GB18030 would decode them as text: refuse them."""
    binary.seek(0)
    head = binary.read(4)
    wide = head.startswith(_WIDE_BOMS)
    binary.seek(0)
    while not wide and (chunk := binary.read(_CHUNK)):
        wide = b"\x00" in chunk
    binary.seek(0)
    if wide:
        raise file_error(
            _(
                "This file is not plain text (it holds NUL bytes: UTF-16, or not a CSV file at "
                "all): save it as CSV UTF-8 (or GB18030)."
            )
        )


def csv_encoding(binary: IO[bytes]) -> str:
    """The encoding the whole file decodes in: UTF-8 (BOM or not) first, then GB18030."""
    _refuse_binary(binary)
    for encoding in ENCODINGS:
        binary.seek(0)
        decoder = codecs.getincrementaldecoder(encoding)()
        try:
            while chunk := binary.read(_CHUNK):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            continue
        binary.seek(0)
        return encoding
    raise file_error(
        _("The file's text encoding is not supported: save it as CSV UTF-8 (or GB18030).")
    )


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time(0) else value.isoformat(" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # phone numbers and codes typed as numbers
    return str(value).strip()


def _csv_rows(binary: IO[bytes], encoding: str) -> Iterator[tuple[int, list[str]]]:
    text = io.TextIOWrapper(binary, encoding=encoding, newline="")
    first = text.readline()
    delimiter = max((",", ";", "\t"), key=first.count) if first else ","
    reader = csv.reader(_chain(first, text), delimiter=delimiter)
    try:
        for row in reader:
            yield reader.line_num, [cell.strip() for cell in row]
    except (csv.Error, UnicodeDecodeError) as exc:
        raise file_error(
            _("The CSV file cannot be read near line %(line)s: %(error)s")
            % {"line": reader.line_num, "error": exc}
        ) from exc


def _chain(first: str, rest: IO[str]) -> Iterator[str]:
    if first:
        yield first
    yield from rest


def _xlsx_rows(binary: IO[bytes]) -> Iterator[tuple[int, list[str]]]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(binary, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise file_error(_("This .xlsx file is damaged or is not really an Excel file.")) from exc
    try:
        sheet = workbook.worksheets[0] if workbook.worksheets else None
        if sheet is None:
            return
        for number, row in enumerate(sheet.iter_rows(values_only=True), start=1):
            yield number, [_cell(value) for value in row]
    finally:
        workbook.close()


def iter_rows(
    binary: IO[bytes], file_format: str, encoding: str = ""
) -> Iterator[tuple[int, list[str]]]:
    """Every non-empty row of the file as (its line / sheet row number, its cell texts), the
    header row included."""
    rows = _xlsx_rows(binary) if file_format == "xlsx" else _csv_rows(binary, encoding)
    for number, row in rows:
        if any(row):
            yield number, row

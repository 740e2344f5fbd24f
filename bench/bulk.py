"""Bulk loading for the scale data set: rows as dicts of column values, written with COPY on
PostgreSQL (streamed in chunks, constant memory) and with bulk_create elsewhere.

Rows bypass `Model.save()`, so the caller sets what `save()` would derive (normalised names,
company keys, numbers); model field defaults fill every column a row leaves out. Ids are given
by the caller (`BulkWriter.next_id`) so later rows can point at earlier ones without reading
them back; the id sequences are reset when a writer closes.
"""

from __future__ import annotations

import datetime as dt
import io
import json
from decimal import Decimal

from django.core.management.color import no_style
from django.db import connection, models
from django.utils import timezone

CHUNK_ROWS = 20_000


ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _copy_str(value) -> str:
    return r"\N" if value is None else value.translate(ESCAPES)


def _copy_int(value) -> str:
    return r"\N" if value is None else str(value)


def _copy_text(value) -> str:
    if value is None:
        return r"\N"
    if value is True:
        return "t"
    if value is False:
        return "f"
    if isinstance(value, (dict, list)):
        value = json.dumps(value, ensure_ascii=False)
    elif isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    elif isinstance(value, (int, Decimal)):
        return str(value)
    return str(value).translate(ESCAPES)


def _converter(field: models.Field):
    """The fastest way to write this column's values as COPY text."""
    if isinstance(field, (models.CharField, models.TextField)):
        return _copy_str
    if isinstance(field, (models.IntegerField, models.AutoField, models.ForeignKey)):
        return _copy_int
    return _copy_text


class BulkWriter:
    """Collects rows of one model and writes them in chunks."""

    def __init__(self, model: type[models.Model]):
        self.model = model
        self.fields = [f for f in model._meta.concrete_fields]
        self.columns = [f.column for f in self.fields]
        now = timezone.now()
        self.defaults = {}
        for field in self.fields:
            if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
                self.defaults[field.attname] = now
            else:  # the model's default, "" for text, None for nullable columns
                self.defaults[field.attname] = field.get_default()
        self.rows: list[dict] = []
        self.written = 0
        last = model._base_manager.order_by("-pk").values_list("pk", flat=True).first()
        self._next_id = (last or 0) + 1
        self.postgres = connection.vendor == "postgresql"

    def next_id(self) -> int:
        value = self._next_id
        self._next_id += 1
        return value

    def add(self, **values) -> int:
        """Queue one row; returns its id (a new one unless given)."""
        if "id" not in values:
            values["id"] = self.next_id()
        self.rows.append(values)
        if len(self.rows) >= CHUNK_ROWS:
            self.flush()
        return values["id"]

    def flush(self) -> None:
        if not self.rows:
            return
        if self.postgres:
            self._copy()
        else:
            self.model._base_manager.bulk_create(
                [self.model(**{**self.defaults, **row}) for row in self.rows], batch_size=500
            )
        self.written += len(self.rows)
        self.rows = []

    def _copy(self) -> None:
        defaults = self.defaults
        columns = [(f.attname, _converter(f)) for f in self.fields]
        buffer = io.StringIO()
        write = buffer.write
        for row in self.rows:
            write("\t".join([convert(row.get(name, defaults[name])) for name, convert in columns]))
            write("\n")
        buffer.seek(0)
        table = connection.ops.quote_name(self.model._meta.db_table)
        columns = ", ".join(connection.ops.quote_name(c) for c in self.columns)
        with connection.cursor() as cursor:
            cursor.cursor.copy_expert(f"COPY {table} ({columns}) FROM STDIN", buffer)

    def close(self) -> int:
        """Write what is left, move the id sequence past the ids given; rows written."""
        self.flush()
        sql = connection.ops.sequence_reset_sql(no_style(), [self.model])
        with connection.cursor() as cursor:
            for statement in sql:
                cursor.execute(statement)
        return self.written

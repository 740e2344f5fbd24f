"""The preview's cleaned rows, kept for the commit.

The preview parses and cleans every row (`Importer.clean`: no queries, so its result depends on
the file alone) before checking it against the database. It keeps each batch as it was
cleaned, one JSON line a batch, in a file next to the upload; the commit reads those batches
back instead of parsing and cleaning the file a second time, and checks every row against the
database again (owners, org units, duplicates: the database may have changed meanwhile).

A job without a usable staged file (previewed before staging existed, a value JSON cannot hold,
or the file is gone) is committed from its upload as before: staging only saves time.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import shutil
import tempfile
from collections.abc import Iterator
from decimal import Decimal

from django.core.files import File

from ..models import ImportJob
from .base import Importer, Row

logger = logging.getLogger(__name__)

#: Bump when the staged form or what `clean` produces changes: older staged files are ignored.
VERSION = 1
_SPOOL = 8 * 1024 * 1024


def staged_name(job: ImportJob) -> str:
    return f"{job.file.name}.staged"


def _encode(value):
    if isinstance(value, Decimal):
        return {"$decimal": str(value)}
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return {"$date": value.isoformat()}
    raise TypeError(f"cannot stage {type(value).__name__}")


def _decode(obj: dict):
    if len(obj) == 1:
        if "$decimal" in obj:
            return Decimal(obj["$decimal"])
        if "$date" in obj:
            return dt.date.fromisoformat(obj["$date"])
    return obj


class Writer:
    """Collects the preview's cleaned batches and saves them next to the upload."""

    def __init__(self, job: ImportJob):
        self.job = job
        self.body = tempfile.SpooledTemporaryFile(max_size=_SPOOL, mode="w+b")  # noqa: SIM115 (closed by save or discard)
        self.usable = bool(job.file)

    def add(self, batch: list[Row]) -> None:
        """Keep a cleaned batch (before `check` adds owners, units and duplicates to it)."""
        if not self.usable:
            return
        try:
            line = json.dumps(
                [[r.number, r.raw, r.values, r.errors] for r in batch],
                ensure_ascii=False,
                separators=(",", ":"),
                default=_encode,
            )
        except (TypeError, ValueError):
            logger.info("import %s: rows not staged (a value JSON cannot hold)", self.job.pk)
            self.discard()
            return
        self.body.write(line.encode())
        self.body.write(b"\n")

    def save(self, rows: int) -> None:
        """Store the staged batches (`rows` in all) for the commit."""
        if not self.usable:
            return
        header = {"version": VERSION, "kind": self.job.kind, "rows": rows}
        name = staged_name(self.job)
        storage = self.job.file.storage
        with tempfile.TemporaryFile() as whole:
            whole.write(json.dumps(header).encode() + b"\n")
            self.body.seek(0)
            shutil.copyfileobj(self.body, whole)
            whole.seek(0)
            saved = storage.save(name, File(whole, name=name))
        self.discard()
        if saved != name:  # an old file was in the way: never read someone else's rows
            storage.delete(saved)

    def discard(self) -> None:
        self.usable = False
        self.body.close()


def drop(job: ImportJob) -> None:
    """Delete the job's staged rows, if any."""
    if job.file and job.file.storage.exists(staged_name(job)):
        job.file.storage.delete(staged_name(job))


def read(job: ImportJob, importer: Importer) -> Iterator[list[Row]] | None:
    """The preview's cleaned batches, or None when the job has no usable staged rows (then
    the upload is read and cleaned again). A staged file that ends early fails the commit."""
    if not job.file or not job.file.storage.exists(staged_name(job)):
        return None
    handle = job.file.storage.open(staged_name(job), "rb")
    try:
        header = json.loads(handle.readline() or b"{}")
    except ValueError:
        header = {}
    if header != {"version": VERSION, "kind": job.kind, "rows": job.rows_total}:
        handle.close()
        return None
    return _batches(handle, header["rows"])


def _batches(handle, expected: int) -> Iterator[list[Row]]:
    count = 0
    with handle:
        for line in iter(handle.readline, b""):  # (File's own iteration starts over at 0)
            batch = [
                Row(number=number, raw=raw, values=values, errors=errors)
                for number, raw, values, errors in json.loads(line, object_hook=_decode)
            ]
            count += len(batch)
            yield batch
    if count != expected:
        raise RuntimeError(f"staged rows end early: {count} of {expected}")

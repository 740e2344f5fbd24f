"""Old months of the audit trail moved out to a file a user keeps (`manage.py archive_audit`).

The archive is one gzip file of JSON lines: a header line (`"format": "ltc-audit-archive"`,
the months, each month's partition and row count), then one line per audit event (every column,
as PostgreSQL's `row_to_json` gives it), oldest first. Beside it `<file>.sha256` holds the
file's SHA-256 in `sha256sum`'s format, so the copy a user keeps can be checked anywhere.

The whole run is one transaction: the months' partitions are locked against writes, written,
the file is flushed to disk, read back and checked (line count per partition, checksum), and
only then are the partitions detached and dropped. A write that fails, a file that does not
read back as written, or a file that already exists leaves every row where it was. See ADR 37.
"""

from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

from django.db import connection, transaction

from .partitions import Partition, create_month, default_months, monthly_partitions

TABLE = "ltc_auditevent"
FORMAT = "ltc-audit-archive"
CHUNK = 5000


class ArchiveError(Exception):
    """The archive was not made; nothing was removed."""


@dataclass
class Archived:
    path: Path
    partitions: list[Partition]
    rows: int
    sha256: str


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _write(path: Path, header: dict, partitions: list[Partition]) -> dict[str, int]:
    """Write the header and every row of `partitions` to `path`; the rows written per partition."""
    written: dict[str, int] = {}
    quote = connection.ops.quote_name
    with path.open("xb") as raw:
        with gzip.GzipFile(fileobj=raw, mode="wb") as out:
            out.write(json.dumps(header, ensure_ascii=False).encode() + b"\n")
            for partition in partitions:
                count = 0
                rows_of = f"SELECT row_to_json(e)::text FROM {quote(partition.name)} e"  # noqa: S608
                with connection.chunked_cursor() as cursor:
                    cursor.execute(rows_of + " ORDER BY e.at, e.id")
                    while rows := cursor.fetchmany(CHUNK):
                        out.write("".join(f"{row[0]}\n" for row in rows).encode())
                        count += len(rows)
                written[partition.name] = count
        raw.flush()
        os.fsync(raw.fileno())
    return written


def _read_back(path: Path) -> dict[str, int]:
    """Rows per partition as the file holds them (every line parsed)."""
    found: dict[str, int] = {}
    with gzip.open(path, "rt", encoding="utf-8") as lines:
        header = json.loads(next(lines))
        bounds = [
            (
                p["partition"],
                dt.datetime.fromisoformat(p["from"]),
                dt.datetime.fromisoformat(p["to"]),
            )
            for p in header["partitions"]
        ]
        for line in lines:
            at = dt.datetime.fromisoformat(json.loads(line)["at"])
            name = next(name for name, start, end in bounds if start <= at < end)
            found[name] = found.get(name, 0) + 1
    return {name: found.get(name, 0) for name, _start, _end in bounds}


def archive_audit(*, before: dt.datetime, to: Path) -> Archived:
    """Move every month of the audit trail before `before` (a UTC month start) to the file `to`.

    Raises ArchiveError, removing nothing, when there is nothing to archive, the file exists,
    or it could not be written and read back as written."""
    if connection.vendor != "postgresql":
        raise ArchiveError("The audit trail is partitioned only on PostgreSQL.")
    to = Path(to)
    checksum_file = to.with_name(to.name + ".sha256")
    if to.exists() or checksum_file.exists():
        raise ArchiveError(f"{to} exists already; an archive is never overwritten.")
    # Rows the DEFAULT partition caught for those months go into their month first.
    with transaction.atomic():
        for month in default_months(TABLE, before):
            create_month(TABLE, month)
    made: list[Path] = []
    try:
        return _archive(before, to, checksum_file, made)
    except BaseException:
        for path in made:  # the rows stay where they were: no archive of them is left either
            path.unlink(missing_ok=True)
        raise


def _archive(before: dt.datetime, to: Path, checksum_file: Path, made: list[Path]) -> Archived:
    with transaction.atomic():
        partitions = [p for p in monthly_partitions(TABLE) if p.end <= before]
        if not partitions:
            raise ArchiveError("No month of the audit trail is older than that.")
        quote = connection.ops.quote_name
        with connection.cursor() as cursor:
            counts = {}
            for partition in partitions:
                cursor.execute(f"LOCK TABLE {quote(partition.name)} IN SHARE MODE")
                cursor.execute(f"SELECT count(*) FROM {quote(partition.name)}")  # noqa: S608
                counts[partition.name] = cursor.fetchone()[0]
        header = {
            "format": FORMAT,
            "version": 1,
            "table": TABLE,
            "before": before.isoformat(),
            "partitions": [
                {
                    "partition": p.name,
                    "from": p.start.isoformat(),
                    "to": p.end.isoformat(),
                    "rows": counts[p.name],
                }
                for p in partitions
            ],
        }
        try:
            if not to.exists():
                made.append(to)
            written = _write(to, header, partitions)
            read = _read_back(to)
        except (OSError, ValueError, StopIteration, KeyError) as exc:
            raise ArchiveError(f"The archive could not be written to {to}: {exc}") from exc
        if not (written == counts == read):
            raise ArchiveError(
                f"The archive does not hold what the months hold ({read} read, {counts} in the "
                "database); nothing was removed."
            )
        sha256 = _sha256(to)
        try:
            made.append(checksum_file)
            with checksum_file.open("x") as handle:
                handle.write(f"{sha256}  {to.name}\n")
                handle.flush()
                os.fsync(handle.fileno())
        except OSError as exc:
            raise ArchiveError(f"The checksum could not be written: {exc}") from exc
        with connection.cursor() as cursor:
            # Checks deferred to the commit (rows written earlier in this transaction: the
            # DEFAULT partition's moved just now) run now: a table with pending ones can't go.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            for partition in partitions:
                cursor.execute(
                    f"ALTER TABLE {quote(TABLE)} DETACH PARTITION {quote(partition.name)}"
                )
                cursor.execute(f"DROP TABLE {quote(partition.name)}")
    return Archived(path=to, partitions=partitions, rows=sum(counts.values()), sha256=sha256)

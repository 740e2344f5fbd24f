"""`manage.py archive_audit --before YYYY-MM --to FILE`: move the audit trail's months before
YYYY-MM (UTC) out of the database into FILE, a gzip file of JSON lines with FILE.sha256 beside
it (`core.archive`, ADR 37). Rows are removed only once the file is written and read back."""

from __future__ import annotations

import datetime as dt
import re

from django.core.management.base import BaseCommand, CommandError

from core.archive import ArchiveError, archive_audit


class Command(BaseCommand):
    help = (
        "Write the audit trail's months before YYYY-MM (UTC) to FILE (gzip'd JSON lines, "
        "FILE.sha256 beside it), then drop them from the database."
    )

    def add_arguments(self, parser):
        parser.add_argument("--before", required=True, help="the first month kept, YYYY-MM")
        parser.add_argument("--to", required=True, help="the archive file to write (new)")

    def handle(self, *args, before: str, to: str, **options):
        match = re.fullmatch(r"(\d{4})-(\d{2})", before or "")
        if not match or not 1 <= int(match[2]) <= 12:
            raise CommandError("--before must be a month, YYYY-MM")
        month = dt.datetime(int(match[1]), int(match[2]), 1, tzinfo=dt.UTC)
        try:
            done = archive_audit(before=month, to=to)
        except ArchiveError as exc:
            raise CommandError(str(exc)) from None
        first, last = done.partitions[0].start, done.partitions[-1].start
        self.stdout.write(
            f"archived {done.rows} audit events of {first:%Y-%m} to {last:%Y-%m} "
            f"({len(done.partitions)} months) to {done.path}; sha256 {done.sha256}"
        )

"""`manage.py ensure_partitions [--ahead N] [--from YYYY-MM]`: make the monthly partitions of
the audit trail and notifications that are missing (the beat job `partitions-ahead` does the
same for the next months); rows the DEFAULT partition caught move into their month. ADR 37."""

from __future__ import annotations

import datetime as dt
import re

from django.core.management.base import BaseCommand, CommandError

from core.partitions import MONTHS_AHEAD, ensure_partitions


class Command(BaseCommand):
    help = "Make the missing monthly partitions of the audit trail and notifications (PostgreSQL)."

    def add_arguments(self, parser):
        parser.add_argument("--ahead", type=int, default=MONTHS_AHEAD, help="months ahead")
        parser.add_argument("--from", dest="since", help="also every month since YYYY-MM")

    def handle(self, *args, ahead: int, since: str | None = None, **options):
        start = None
        if since:
            match = re.fullmatch(r"(\d{4})-(\d{2})", since)
            if not match or not 1 <= int(match[2]) <= 12:
                raise CommandError("--from must be a month, YYYY-MM")
            start = dt.datetime(int(match[1]), int(match[2]), 1, tzinfo=dt.UTC)
        if not 0 <= ahead <= 120:
            raise CommandError("--ahead must be between 0 and 120")
        made = ensure_partitions(months_ahead=ahead, since=start)
        self.stdout.write(f"{made} partitions made")

"""`manage.py restore_smoke_check`: is this (restored) database a working LTC CRM?

Checks that every table the models need answers, the audit trail is readable and still
append-only (its triggers present, PostgreSQL's or SQLite's), and, with
`--compare-with URL`, that every table has as many rows as the source it was restored from.
Used by scripts/restore_drill.sh (see docs/backup-restore.md)."""

from __future__ import annotations

import dj_database_url
from django.apps import apps
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, connections

from core.models import AuditEvent


def row_counts(conn) -> dict[str, int]:
    counts = {}
    with conn.cursor() as cursor:
        for model in apps.get_models():
            if not model._meta.managed or model._meta.proxy:
                continue
            table = model._meta.db_table
            cursor.execute(f'SELECT COUNT(*) FROM "{table}"')  # noqa: S608 (model table names)
            counts[table] = cursor.fetchone()[0]
    return counts


class Command(BaseCommand):
    help = "Smoke-check a (restored) database: tables, audit trail, row counts."

    def add_arguments(self, parser):
        parser.add_argument("--compare-with", default="", help="database URL of the source")

    def handle(self, *args, compare_with: str = "", **options):
        counts = row_counts(connection)
        AuditEvent.objects.order_by("-id").first()  # readable
        guard = {
            "postgresql": "SELECT 1 FROM pg_trigger WHERE tgname = 'ltc_auditevent_append_only'",
            "sqlite": "SELECT COUNT(*) = 2 FROM sqlite_master WHERE type = 'trigger' AND name IN "
            "('ltc_auditevent_no_update', 'ltc_auditevent_no_delete')",
        }.get(connection.vendor)
        if guard is not None:
            with connection.cursor() as cursor:
                cursor.execute(guard)
                if not (cursor.fetchone() or [False])[0]:
                    raise CommandError("the audit trail's append-only trigger is missing")
        if compare_with:
            connections.settings["restore_source"] = {
                **connection.settings_dict,
                **dj_database_url.parse(compare_with),
            }
            try:
                source = row_counts(connections["restore_source"])
            finally:
                connections["restore_source"].close()
            differ = {t: (n, counts.get(t)) for t, n in source.items() if counts.get(t) != n}
            if differ:
                raise CommandError(f"row counts differ from the source: {differ}")
        total = sum(counts.values())
        self.stdout.write(f"ok: {len(counts)} tables, {total} rows")

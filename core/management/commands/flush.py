"""`flush`, able to empty the append-only audit trail on SQLite as on PostgreSQL.

On PostgreSQL flush empties the tables with TRUNCATE, which the audit table's row trigger
does not see (only the table's owner may TRUNCATE: the test runner between tests, an
operator before restoring a backup). SQLite has no TRUNCATE: its flush is DELETE FROM,
which the audit table's triggers refuse (migration 0006). So here, on SQLite, the flush's own
statements run between a DROP and a re-CREATE of every trigger, all in the one transaction
Django runs them in: no other connection ever sees a table unguarded, and a flush that fails
rolls back with its triggers in place.
"""

from __future__ import annotations

from django.core.management.commands import flush
from django.db import connections


class Command(flush.Command):
    def handle(self, **options):
        connection = connections[options["database"]]
        if connection.vendor != "sqlite":
            return super().handle(**options)
        ops = connection.ops
        run = ops.execute_sql_flush

        def execute_sql_flush(sql_list):
            with connection.cursor() as cursor:
                cursor.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'")
                triggers = cursor.fetchall()
            lift = [f'DROP TRIGGER "{name}"' for name, _sql in triggers]
            run([*lift, *sql_list, *(sql for _name, sql in triggers)])

        ops.execute_sql_flush = execute_sql_flush
        try:
            return super().handle(**options)
        finally:
            del ops.execute_sql_flush

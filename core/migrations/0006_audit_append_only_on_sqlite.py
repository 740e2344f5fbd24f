"""The audit trail is append-only on SQLite too (PostgreSQL: migration 0003).

SQLite triggers refuse every UPDATE and DELETE of an audit row, from anyone: the ORM (a
queryset `update()` or `delete()`), raw SQL, the sqlite3 shell. `manage.py flush` empties the
table all the same, as TRUNCATE does on PostgreSQL: ltc's `flush` command lifts the triggers
for its own statements only, in their transaction (core/management/commands/flush.py).

SQLite rebuilds a table to alter it, and the rebuilt table has no triggers: a later migration
that alters ltc_auditevent must create them again (tests/trust/test_audit_log.py fails if not).
"""

from django.db import migrations

TRIGGERS = {
    "ltc_auditevent_no_update": "UPDATE",
    "ltc_auditevent_no_delete": "DELETE",
}
CREATE = """
CREATE TRIGGER IF NOT EXISTS {name} BEFORE {operation} ON ltc_auditevent
BEGIN
    SELECT RAISE(ABORT, 'ltc_auditevent is append-only: {operation} refused');
END
"""


def create_triggers(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        for name, operation in TRIGGERS.items():
            schema_editor.execute(CREATE.format(name=name, operation=operation), params=None)


def drop_triggers(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        for name in TRIGGERS:
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {name}", params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("ltc", "0005_search_trigram_indexes"),
    ]

    operations = [
        migrations.RunPython(create_triggers, drop_triggers),
    ]

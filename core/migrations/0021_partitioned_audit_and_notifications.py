"""The audit trail and notifications partitioned by month on PostgreSQL (ADR 37).

Each table becomes a partitioned table (RANGE on `at`, `created_at`) with one partition per
UTC month from its oldest row's month to three months ahead, and a DEFAULT partition so that an
insert never fails; the rows are copied across, then the old table is dropped and the new one
takes its name, its indexes (by the same names: Django's migrations keep finding them), its
foreign keys and, for the audit trail, the append-only trigger (migration 0003), which a
partitioned table clones onto every partition, later ones included.

The primary key becomes (id, at) / (id, created_at): PostgreSQL requires the partition key in
every unique constraint. Django's model keeps `id` as its primary key (the identity sequence
still gives every row its own id; the index on (id, …) finds a row by id in each partition);
nothing points at an audit event, and a chat delivery's link to its notification is no longer
a database foreign key (messaging 0002). SQLite: nothing changes.
"""

from django.db import migrations
from django.utils import timezone

from core.partitions import default_name, month_start, months, next_month

#: The tables partitioned here and their partition keys (as they stood at this migration).
PARTITIONED = {"ltc_auditevent": "at", "ltc_notification": "created_at"}


def _rows(cursor, sql, params=None):
    cursor.execute(sql, params)
    return cursor.fetchall()


def partition(table: str, key: str, schema_editor) -> None:
    new = f"{table}_partitioned"
    with schema_editor.connection.cursor() as cursor:
        referencing = _rows(
            cursor,
            "SELECT conname FROM pg_constraint WHERE confrelid = %s::regclass AND contype = 'f'",
            [table],
        )
        if referencing:
            raise RuntimeError(f"{table} is referenced by foreign keys {referencing}")
        indexes = _rows(
            cursor,
            "SELECT indexname, indexdef FROM pg_indexes "
            "WHERE schemaname = current_schema() AND tablename = %s AND indexname <> %s",
            [table, f"{table}_pkey"],
        )
        if any(" UNIQUE " in definition for _name, definition in indexes):
            raise RuntimeError(f"{table} has a unique index without its partition key")
        foreign_keys = _rows(
            cursor,
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conrelid = %s::regclass AND contype = 'f'",
            [table],
        )
        oldest, newest, last_id = _rows(
            cursor, f"SELECT min({key}), max({key}), coalesce(max(id), 0) FROM {table}"
        )[0]
        cursor.execute(
            f"CREATE TABLE {new} (LIKE {table} INCLUDING DEFAULTS INCLUDING IDENTITY "
            f"INCLUDING CONSTRAINTS INCLUDING STORAGE) PARTITION BY RANGE ({key})"
        )
        cursor.execute(f"CREATE TABLE {default_name(table)} PARTITION OF {new} DEFAULT")
        current = month_start(timezone.now())
        ahead = next_month(next_month(next_month(current)))
        for month in months(min(oldest or current, current), ahead):
            end = next_month(month)
            cursor.execute(
                f"CREATE TABLE {table}_p{month:%Y%m} PARTITION OF {new} "
                f"FOR VALUES FROM ('{month.isoformat()}') TO ('{end.isoformat()}')"
            )
        cursor.execute(f"INSERT INTO {new} SELECT * FROM {table}")
        cursor.execute(f"DROP TABLE {table}")
        cursor.execute(f"ALTER TABLE {new} RENAME TO {table}")
        sequence = _rows(cursor, "SELECT pg_get_serial_sequence(%s, 'id')", [table])[0][0]
        cursor.execute(f"ALTER SEQUENCE {sequence} RENAME TO {table}_id_seq")
        cursor.execute(f"SELECT setval('{table}_id_seq', %s, %s)", [max(last_id, 1), last_id > 0])
        cursor.execute(f"ALTER TABLE {table} ADD CONSTRAINT {table}_pkey PRIMARY KEY (id, {key})")
        for _name, definition in indexes:
            cursor.execute(definition)
        for name, definition in foreign_keys:
            cursor.execute(f"ALTER TABLE {table} ADD CONSTRAINT {name} {definition}")
        cursor.execute(f"ANALYZE {table}")


def unpartition(table: str, key: str, schema_editor) -> None:
    old = f"{table}_unpartitioned"
    with schema_editor.connection.cursor() as cursor:
        indexes = _rows(
            cursor,
            "SELECT indexname, indexdef FROM pg_indexes "
            "WHERE schemaname = current_schema() AND tablename = %s AND indexname <> %s",
            [table, f"{table}_pkey"],
        )
        foreign_keys = _rows(
            cursor,
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conrelid = %s::regclass AND contype = 'f' AND conparentid = 0",
            [table],
        )
        last_id = _rows(cursor, f"SELECT coalesce(max(id), 0) FROM {table}")[0][0]
        cursor.execute(
            f"CREATE TABLE {old} (LIKE {table} INCLUDING DEFAULTS INCLUDING IDENTITY "
            f"INCLUDING CONSTRAINTS INCLUDING STORAGE)"
        )
        cursor.execute(f"INSERT INTO {old} SELECT * FROM {table}")
        cursor.execute(f"DROP TABLE {table}")
        cursor.execute(f"ALTER TABLE {old} RENAME TO {table}")
        sequence = _rows(cursor, "SELECT pg_get_serial_sequence(%s, 'id')", [table])[0][0]
        cursor.execute(f"ALTER SEQUENCE {sequence} RENAME TO {table}_id_seq")
        cursor.execute(f"SELECT setval('{table}_id_seq', %s, %s)", [max(last_id, 1), last_id > 0])
        cursor.execute(f"ALTER TABLE {table} ADD CONSTRAINT {table}_pkey PRIMARY KEY (id)")
        for _name, definition in indexes:
            cursor.execute(definition.replace(" ON ONLY ", " ON "))
        for name, definition in foreign_keys:
            cursor.execute(f"ALTER TABLE {table} ADD CONSTRAINT {name} {definition}")


APPEND_ONLY = """
CREATE TRIGGER ltc_auditevent_append_only BEFORE UPDATE OR DELETE ON ltc_auditevent
    FOR EACH ROW EXECUTE FUNCTION ltc_auditevent_append_only();
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table, key in PARTITIONED.items():
        partition(table, key, schema_editor)
    schema_editor.execute(APPEND_ONLY, params=None)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table, key in PARTITIONED.items():
        unpartition(table, key, schema_editor)
    schema_editor.execute(APPEND_ONLY, params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("ltc", "0020_rollup_dirty"),
        ("messaging", "0002_chatdelivery_notification_without_db_constraint"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]

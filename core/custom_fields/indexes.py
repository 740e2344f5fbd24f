"""The GIN index on a record's `custom` column, for the apps' migrations: PostgreSQL only.

`custom @> '{"key": value}'` (what a filter on a custom field's value runs) is answered by a
GIN `jsonb_path_ops` index; SQLite has neither, so there the migration does nothing and the
models' state is unchanged (like core's trigram indexes, migration 0005).
"""

from __future__ import annotations

from django.db import migrations


def index_name(table: str) -> str:
    return f"{table}_custom_gin"[:63]


def gin_index(app_label: str, model_name: str) -> migrations.RunPython:
    """A migration operation creating (and on reverse dropping) the index."""

    def create(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        table = apps.get_model(app_label, model_name)._meta.db_table
        quote = schema_editor.quote_name
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {quote(index_name(table))} ON {quote(table)} "
            f"USING gin ({quote('custom')} jsonb_path_ops)"
        )

    def drop(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        table = apps.get_model(app_label, model_name)._meta.db_table
        schema_editor.execute(f"DROP INDEX IF EXISTS {schema_editor.quote_name(index_name(table))}")

    return migrations.RunPython(create, drop, elidable=False)


# --- One index per number, money or date field, for range filters (and sorting) -------------
#
# A range filter on a custom number reads and casts the JSON value of every row it looks at
# (bench/RESULTS.md: about 1.4× the built-in column). A b-tree index on the very expression the
# filter runs makes it as fast as a built-in column. Defining such a field asks for its index
# (a task after the commit, CREATE INDEX CONCURRENTLY: no lock on the table's writes); the job
# `custom-field-indexes` makes any that are missing. PostgreSQL only; the expressions are what
# `core.custom_fields.filtering` makes Django write, so the planner recognises them.


def field_index_name(table: str, key: str) -> str:
    return f"{table}_cf_{key}"[:63]


def field_index_expression(field) -> tuple[str, list] | None:
    """(SQL, params) of the indexed expression of `field`, None for a type not ranged."""
    from .models import FieldType

    if field.type == FieldType.NUMBER:
        return "((custom ->> %s)::numeric(38, 8))", [field.key]
    if field.type == FieldType.MONEY:
        return "((custom #>> %s)::numeric(38, 8))", [[field.key, "amount"]]
    if field.type == FieldType.DATE:
        return "((custom -> %s))", [field.key]
    return None


def ensure_field_index(field) -> bool:
    """Make `field`'s index if it is missing (outside a transaction: CONCURRENTLY). True when
    one was made."""
    from django.db import connection

    from .definitions import target_model

    expression = field_index_expression(field)
    if connection.vendor != "postgresql" or expression is None:
        return False
    table = target_model(field.target)._meta.db_table
    name = field_index_name(table, field.key)
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_indexes WHERE indexname = %s", [name])
        if cursor.fetchone():
            return False
        sql, params = expression
        quote = connection.ops.quote_name
        # Inside a transaction (a job run in one) CONCURRENTLY is refused: a plain build then.
        how = "" if connection.in_atomic_block else "CONCURRENTLY "
        cursor.execute(
            f"CREATE INDEX {how}IF NOT EXISTS {quote(name)} ON {quote(table)} ({sql})", params
        )
    return True

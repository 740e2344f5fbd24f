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

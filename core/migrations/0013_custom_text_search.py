"""Trigram indexes on the custom values' text, so the search finds a record by a custom text
field at any size (PostgreSQL only; SQLite has no pg_trgm, as in migration 0005).

The search matches `UPPER(custom::text) LIKE UPPER('%q%')` (this index) and then the value of a
text field itself (`custom.<key>`), so a key's name or another type's value is not a hit."""

from django.db import migrations

#: (app, model) of every record type that carries custom fields and is searched.
SEARCHED = [
    ("accounts", "Customer"),
    ("accounts", "Contact"),
    ("leads", "Lead"),
    ("opportunities", "Opportunity"),
    ("contracts", "Contract"),
    ("receivables", "PaymentMilestone"),
]


def index_name(table: str) -> str:
    return f"{table}_custom_trgm"[:63]


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    quote = schema_editor.quote_name
    for app, model in SEARCHED:
        table = apps.get_model(app, model)._meta.db_table
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {quote(index_name(table))} ON {quote(table)} "
            f"USING gin ((UPPER({quote('custom')}::text)) gin_trgm_ops)"
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for app, model in SEARCHED:
        table = apps.get_model(app, model)._meta.db_table
        schema_editor.execute(f"DROP INDEX IF EXISTS {schema_editor.quote_name(index_name(table))}")


class Migration(migrations.Migration):
    dependencies = [
        ("ltc", "0012_merge_approval_chains_custom_fields"),
        ("accounts", "0012_merge_roles_registrations_custom_values"),
        ("leads", "0008_custom_values"),
        ("opportunities", "0004_custom_values"),
        ("contracts", "0006_custom_values"),
        ("receivables", "0008_custom_values"),
    ]

    operations = [migrations.RunPython(create, drop, elidable=False)]

"""Trigram indexes for the global search (core.web.search), on PostgreSQL only.

The search matches with `icontains`, which PostgreSQL runs as `UPPER(col::text) LIKE UPPER(%s)`:
a GIN index with `gin_trgm_ops` on that same expression lets it use an index at any size. The
indexes live in this one core migration, beside the search, and are raw SQL (not model
indexes): SQLite has no pg_trgm, so there they are skipped and the models' state is unchanged.
"""

from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations

#: (app, model, field) of every field a registered Searchable matches.
SEARCHED = [
    ("accounts", "Customer", "name"),
    ("accounts", "Customer", "credit_code"),
    ("accounts", "Contact", "name"),
    ("accounts", "Contact", "phone"),
    ("accounts", "Contact", "email"),
    ("leads", "Lead", "title"),
    ("leads", "Lead", "company_name"),
    ("leads", "Lead", "contact_name"),
    ("opportunities", "Opportunity", "name"),
    ("opportunities", "Opportunity", "number"),
    ("contracts", "Contract", "title"),
    ("contracts", "Contract", "number"),
    ("contracts", "Contract", "customer_reference"),
]


def index_name(table: str, column: str) -> str:
    return f"{table}_{column}_trgm"[:63]


def _targets(apps):
    for app, model, field in SEARCHED:
        meta = apps.get_model(app, model)._meta
        yield meta.db_table, meta.get_field(field).column


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    quote = schema_editor.quote_name
    for table, column in _targets(apps):
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {quote(index_name(table, column))} ON {quote(table)} "
            f"USING gin ((UPPER({quote(column)}::text)) gin_trgm_ops)"
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table, column in _targets(apps):
        schema_editor.execute(
            f"DROP INDEX IF EXISTS {schema_editor.quote_name(index_name(table, column))}"
        )


class Migration(migrations.Migration):
    dependencies = [
        ("ltc", "0004_outbox"),
        ("accounts", "0002_activities_imports_merge"),
        ("leads", "0002_distribution_capture_web_to_lead"),
        ("opportunities", "0002_mo_deepened"),
        ("contracts", "0003_execution"),
    ]

    operations = [
        TrigramExtension(),
        migrations.RunPython(create, drop, elidable=False),
    ]

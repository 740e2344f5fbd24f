"""The customer import's commit on PostgreSQL, set-based (ADR 34).

The preview's cleaned rows go into a temporary table with one COPY a batch (no model object,
no per-row query); the checks the preview ran in Python a batch at a time — owner and org
unit through the policy, duplicates by credit code, external id and normalised name (or alias)
against the database and earlier rows of the file — run again as one SQL statement over the
whole file; the chosen rows become customers, and their "created" audit events, with one
`INSERT ... SELECT` each. Everything stays in the import's one transaction, under the
customers' intake lock.

Owners and org units are checked in Python once per distinct (owner, org unit) pair of the
file, through the same rules the preview used (`Importer.owner`, `Importer.org_unit`: the
policy's `may_assign_to` and `assignable_units`), then joined in.

One difference from the row-by-row check, on the safe side: a row whose credit code (or
external id) an earlier row of the file also has is an error when that earlier row has no
error of its own *before* the in-file checks; the row-by-row check also lets it pass when the
earlier row's only error is another in-file repeat. Such a row is skipped, never written twice.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext as _

from core import context
from core.bulk import insert_select
from core.models import AuditEvent

from ..models import Customer, CustomerAlias, User
from .base import Importer, Row

#: The cleaned values a row keeps for the insert, with their column types in the work table.
_VALUES = (
    ("name", "text"),
    ("normalised_name", "text"),
    ("credit_code", "text"),
    ("industry", "text"),
    ("region", "text"),
    ("tier", "text"),
    ("annual_revenue", "numeric"),
    ("phone", "text"),
    ("email", "text"),
    ("website", "text"),
    ("address", "text"),
    ("external_id", "text"),
    ("custom", "jsonb"),
)
_TEXT = tuple(name for name, kind in _VALUES if kind == "text")

#: Every row's verdict over the whole file: database hits first, then the rows before it.
_VERDICT_SQL = """
CREATE TEMP TABLE {verdict} ON COMMIT DROP AS
WITH checked AS (
    SELECT r.line, r.credit_code, r.external_id, r.normalised_name,
        p.owner_id, p.org_unit_id, r.clean_ok AND p.ok AS people_ok,
        code.id AS code_hit, ext.id AS external_hit,
        r.normalised_name <> '' AND (
            EXISTS (SELECT 1 FROM {customer} c
                    WHERE c.normalised_name = r.normalised_name AND c.merged_into_id IS NULL)
            OR EXISTS (SELECT 1 FROM {alias} a JOIN {customer} c ON c.id = a.customer_id
                       WHERE a.normalised_alias = r.normalised_name
                         AND c.merged_into_id IS NULL)
        ) AS name_hit
    FROM {rows} r
    JOIN {people} p ON p.owner_raw = r.owner_raw AND p.unit_raw = r.unit_raw
    LEFT JOIN {customer} code ON code.credit_code = r.credit_code AND r.credit_code <> ''
        AND code.credit_code <> '' AND code.merged_into_id IS NULL
    LEFT JOIN {customer} ext ON ext.external_id = r.external_id AND r.external_id <> ''
        AND ext.external_id <> '' AND ext.merged_into_id IS NULL
), based AS (
    SELECT *, people_ok AND code_hit IS NULL AND external_hit IS NULL AS base_ok FROM checked
), firsts AS (
    SELECT *,
        CASE WHEN credit_code <> '' THEN min(line) FILTER (WHERE base_ok) OVER (
            PARTITION BY credit_code ORDER BY line ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING
        ) END AS code_first,
        CASE WHEN external_id <> '' THEN min(line) FILTER (WHERE base_ok) OVER (
            PARTITION BY external_id ORDER BY line ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING
        ) END AS external_first
    FROM based
), oks AS (
    SELECT *, base_ok AND code_first IS NULL AND external_first IS NULL AS ok FROM firsts
)
SELECT line, owner_id, org_unit_id, ok, code_hit, external_hit, code_first, external_first,
    name_hit OR (normalised_name <> '' AND min(line) FILTER (WHERE ok) OVER (
        PARTITION BY normalised_name ORDER BY line ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING
    ) IS NOT NULL) AS duplicate
FROM oks
"""

_ROWS_SQL = """CREATE TEMP TABLE {rows} (line integer PRIMARY KEY, {columns},
    owner_raw text, unit_raw text, clean_ok boolean) ON COMMIT DROP"""
_COPY_SQL = """COPY {rows} (line, {columns}, owner_raw, unit_raw, clean_ok) FROM STDIN
    WITH (FORMAT csv, FORCE_NOT_NULL ({text}))"""
_PEOPLE_SQL = """CREATE TEMP TABLE {people} (owner_raw text, unit_raw text, owner_id bigint,
    org_unit_id bigint, ok boolean) ON COMMIT DROP"""
_PEOPLE_INSERT_SQL = """INSERT INTO {people}
    SELECT * FROM unnest(%s::text[], %s::text[], %s::bigint[], %s::bigint[], %s::boolean[])"""
_FIRST_BAD_SQL = "SELECT line FROM {verdict} WHERE NOT ok ORDER BY line LIMIT 1"
_PROBLEMS_SQL = """SELECT r.owner_raw, r.unit_raw, v.code_hit, v.external_hit, v.code_first,
    v.external_first FROM {verdict} v JOIN {rows} r ON r.line = v.line WHERE v.line = %s"""
#: The ids of the rows to write, drawn from the customers' sequence in the file's order.
_CHOSEN_SQL = """CREATE TEMP TABLE {chosen} ON COMMIT DROP AS
    SELECT line, nextval(pg_get_serial_sequence(%s, %s)) AS id
    FROM (SELECT line FROM {verdict} WHERE {which} ORDER BY line) picked"""


@dataclass
class Outcome:
    """What the commit wrote: the new customers' ids, the rows left out, the rows read; or
    the first row with an error (its number and problems) when every row had to be written."""

    ids: list
    skipped: int
    processed: int
    bad: tuple[int, str] | None = None


def available(importer: Importer) -> bool:
    """Whether this commit can run: PostgreSQL, and an importer written for it."""
    return connection.vendor == "postgresql" and getattr(importer, "set_based_commit", False)


class _Tables:
    """The commit's work tables: temporary, dropped at the end of the transaction at the latest
    (named after the job, so two imports in one transaction never share one)."""

    def __init__(self, job_pk: int):
        self.rows, self.people = f"import_{job_pk}_rows", f"import_{job_pk}_people"
        self.verdict, self.chosen = f"import_{job_pk}_verdict", f"import_{job_pk}_chosen"

    def sql(self, template: str, **names: str) -> str:
        """`template` with the work tables' names (and `names`) filled in."""
        return template.format(
            rows=self.rows, people=self.people, verdict=self.verdict, chosen=self.chosen, **names
        )

    def drop(self, cursor) -> None:
        cursor.execute(self.sql("DROP TABLE IF EXISTS {rows}, {people}, {verdict}, {chosen}"))


def commit(
    importer: Importer,
    batches: Iterable[list[Row]],
    *,
    mode_all: bool,
    progress: Callable[[int], None],
) -> Outcome:
    """Check and write every row of the file (see the module's docstring)."""
    tables = _Tables(importer.job.pk)
    with connection.cursor() as cursor:
        tables.drop(cursor)
        cursor.execute("SET LOCAL jit = off")  # one big statement the planner prices high
        clean_errors, pairs, processed = _load(cursor, tables, batches, progress)
        people = _people(cursor, tables, importer, pairs)
        quote = connection.ops.quote_name
        cursor.execute(
            tables.sql(
                _VERDICT_SQL,
                customer=quote(Customer._meta.db_table),
                alias=quote(CustomerAlias._meta.db_table),
            )
        )
        if mode_all:
            cursor.execute(tables.sql(_FIRST_BAD_SQL))
            found = cursor.fetchone()
            if found is not None:
                bad = _problems(cursor, tables, found[0], clean_errors, people)
                tables.drop(cursor)
                return Outcome(ids=[], skipped=0, processed=processed, bad=bad)
        cursor.execute(
            tables.sql(_CHOSEN_SQL, which="TRUE" if mode_all else "ok AND NOT duplicate"),
            [Customer._meta.db_table, Customer._meta.pk.column],
        )
        cursor.execute(tables.sql("SELECT id FROM {chosen} ORDER BY id"))
        ids = [pk for (pk,) in cursor.fetchall()]
        _insert(importer, tables)
        tables.drop(cursor)
    return Outcome(ids=ids, skipped=processed - len(ids), processed=processed)


def _load(cursor, tables: _Tables, batches: Iterable[list[Row]], progress) -> tuple:
    """COPY the cleaned rows into the work table; the rows' own errors (from cleaning) and
    the file's distinct (owner, org unit) cells come back, with the number of rows."""
    names = [name for name, _kind in _VALUES]
    cursor.execute(
        tables.sql(_ROWS_SQL, columns=", ".join(f"{name} {kind}" for name, kind in _VALUES))
    )
    copy = tables.sql(
        _COPY_SQL,
        columns=", ".join(names),
        text=", ".join((*_TEXT, "owner_raw", "unit_raw")),
    )
    errors: dict[int, dict] = {}
    pairs: set[tuple[str, str]] = set()
    count = 0
    for batch in batches:
        buffer = io.StringIO()
        write = csv.writer(buffer, lineterminator="\n").writerow
        for row in batch:
            values = row.values
            pair = (row.raw.get("owner", "").strip(), row.raw.get("org_unit", "").strip())
            pairs.add(pair)
            if row.errors:
                errors[row.number] = row.errors
            write(
                (
                    row.number,
                    *[values.get(name) for name in names[:-1]],
                    json.dumps(values.get("custom") or {}),
                    *pair,
                    not row.errors,
                )
            )
        buffer.seek(0)
        cursor.copy_expert(copy, buffer)
        count += len(batch)
        progress(count)
    cursor.execute(f"ANALYZE {tables.rows}")
    return errors, pairs, count


def _people(cursor, tables: _Tables, importer: Importer, pairs: set) -> dict:
    """Each distinct (owner, org unit) of the file checked once, as the preview checks a row:
    {pair: the checked Row (its errors)}; the work table gets the owner's and unit's ids."""
    rows = {pair: Row(number=0, raw={"owner": pair[0], "org_unit": pair[1]}) for pair in pairs}
    importer.load_people(list(rows.values()))
    importer.load_units(list(rows.values()))
    by: User = importer.by
    found = []
    for pair, row in rows.items():
        owner = importer.owner(row) or by
        unit = importer.org_unit(row, owner.org_unit if pair[0] else by.org_unit)
        found.append((*pair, owner.pk, unit.pk if unit is not None else None, row.ok))
    cursor.execute(tables.sql(_PEOPLE_SQL))
    if found:
        cursor.execute(
            tables.sql(_PEOPLE_INSERT_SQL),
            [list(column) for column in zip(*found, strict=True)],
        )
    return rows


def _problems(cursor, tables: _Tables, number: int, clean_errors: dict, people: dict) -> tuple:
    """The first row with an error and what is wrong with it, in the preview's words."""
    cursor.execute(tables.sql(_PROBLEMS_SQL), [number])
    owner_raw, unit_raw, code_hit, external_hit, code_first, external_first = cursor.fetchone()
    messages = [m for ms in clean_errors.get(number, {}).values() for m in ms]
    messages += [m for ms in people[(owner_raw, unit_raw)].errors.values() for m in ms]
    names = dict(
        Customer.all_objects.filter(pk__in=[code_hit, external_hit]).values_list("pk", "name")
    )
    if code_hit:
        messages.append(
            _("Customer #%(id)s %(name)s already has this credit code.")
            % {"id": code_hit, "name": names.get(code_hit, "")}
        )
    if external_hit:
        messages.append(
            _("Customer #%(id)s %(name)s already has this external id.")
            % {"id": external_hit, "name": names.get(external_hit, "")}
        )
    if code_first:
        messages.append(_("Same credit code as row %(row)s.") % {"row": code_first})
    if external_first:
        messages.append(_("Same external id as row %(row)s.") % {"row": external_first})
    return number, "; ".join(messages)


def _insert(importer: Importer, tables: _Tables) -> None:
    """The chosen rows as customers, then one "created" audit event each (the import's actor,
    file and row, as the row-by-row writer records them), each with one INSERT ... SELECT."""
    from ..choices import CustomerVetting
    from ..services.vetting import vetting_required

    state = CustomerVetting.PENDING if vetting_required(importer.by) else CustomerVetting.APPROVED
    select = {"id": "k.id", **{name: f"r.{name}" for name, _kind in _VALUES}}
    select.update(state="%s", owner_id="v.owner_id", org_unit_id="v.org_unit_id")
    insert_select(
        Customer,
        select,
        f"{tables.chosen} k JOIN {tables.rows} r ON r.line = k.line "
        f"JOIN {tables.verdict} v ON v.line = k.line ORDER BY k.id",
        select_params=[state],
    )
    by, origin = importer.by, context.current()
    marker = "\x00"
    head, tail = (
        _("Imported from %(file)s, row %(row)s") % {"file": importer.job.file_name, "row": marker}
    ).split(marker, 1)
    insert_select(
        AuditEvent,
        {
            "target_type_id": "%s",
            "target_id": "k.id",
            "at": "%s",
            "actor_id": "%s",
            "actor_name": "%s",
            "action": "'created'",
            "comment": "%s::text || k.line || %s::text",
            "changes": "'{}'::jsonb",
            "ip": "%s::inet",
            "via": "'import'",
        },
        f"{tables.chosen} k ORDER BY k.id",
        select_params=[
            ContentType.objects.get_for_model(Customer).pk,
            timezone.now(),
            by.pk,
            by.get_username(),
            head,
            tail,
            origin.ip or None,
        ],
    )

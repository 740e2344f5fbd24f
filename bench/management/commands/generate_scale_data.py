"""Build an enterprise-size data set for the benchmarks in `bench/`.

`manage.py generate_scale_data` makes, by default, an org tree of 2,000 users (company →
regions → representative offices → teams), 100,000 customers with contacts, 1,000,000 leads,
300,000 opportunities with iron triangles, decision chains and gate reviews, 100,000 contracts,
400,000 payment milestones with their invoices, receipts and allocations, and activities.
`--scale 0.01` multiplies every default count. On PostgreSQL the rows go in with COPY, and
the tables written are then vacuumed and analysed (`VACUUM (ANALYZE)`, outside the load's
transaction), as production's would be after a day: the benchmarks never depend on autovacuum.

The rows are written directly, not through services, keeping the invariants the services
would (see `bench.scale`, which builds them).
"""

from __future__ import annotations

import random
import time

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction

from accounts.models import (
    Activity,
    Contact,
    Customer,
    IronTriangle,
    IronTriangleMember,
    OrgUnit,
    User,
)
from bench.scale import DEFAULTS, ScaleData
from contracts.models import Contract
from core.models import GateAssessment, GateReview
from leads.models import Lead
from opportunities.models import DecisionChainMember, Opportunity
from receivables.models import Invoice, PaymentMilestone, PaymentTrigger, Receipt, ReceiptAllocation

MODELS = [
    OrgUnit,
    User,
    Customer,
    Contact,
    IronTriangle,
    IronTriangleMember,
    Lead,
    Opportunity,
    GateReview,
    GateAssessment,
    DecisionChainMember,
    Contract,
    PaymentMilestone,
    PaymentTrigger,
    Invoice,
    Receipt,
    ReceiptAllocation,
    Activity,
]


def fast_load_begin(models) -> list[str]:
    """PostgreSQL: drop the plain (non-constraint) indexes of the tables about to be loaded and
    skip foreign-key triggers for this transaction; returns the index definitions to rebuild.

    Maintaining ten-odd indexes row by row and queueing millions of deferred FK checks is most
    of the load time; building an index once at the end is several times cheaper. The
    generator hands out the ids itself; its test (tests/bench, SQLite, where every foreign
    key is checked at commit) guards against a dangling reference.
    """
    tables = [m._meta.db_table for m in models]
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT i.indexname, i.indexdef FROM pg_indexes i
            WHERE i.schemaname = current_schema() AND i.tablename = ANY(%s)
              AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)
            """,
            [tables],
        )
        indexes = cursor.fetchall()
        for name, _definition in indexes:
            cursor.execute(f"DROP INDEX {connection.ops.quote_name(name)}")
        cursor.execute("SET LOCAL session_replication_role = replica")
    return [definition for _name, definition in indexes]


def fast_load_end(definitions: list[str]) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = DEFAULT")
        cursor.execute("SET LOCAL maintenance_work_mem = '512MB'")
        for definition in definitions:
            cursor.execute(definition)


def vacuum_analyse(models) -> str:
    """PostgreSQL: leave the tables just written as production's would be after a day,
    vacuumed (the visibility map set, so index-only scans skip the heap) and analysed (the
    planner's statistics), without waiting for autovacuum, which may be off or behind. VACUUM
    cannot run inside a transaction: inside one (a test's), the tables are only analysed.
    Returns the line the command prints."""
    tables = sorted({m._meta.db_table for m in models})
    names = ", ".join(connection.ops.quote_name(t) for t in tables)
    started = time.monotonic()
    with connection.cursor() as cursor:
        if connection.in_atomic_block:
            cursor.execute(f"ANALYZE {names}")
            done = "analysed (inside a transaction: VACUUM cannot run there)"
        else:
            cursor.execute(f"VACUUM (ANALYZE) {names}")
            done = "vacuumed and analysed"
    return f"{len(tables)} tables {done} in {time.monotonic() - started:.1f}s: " + ", ".join(tables)


class Command(BaseCommand):
    help = "Generate an enterprise-size data set (for bench/); --scale multiplies the defaults."

    def add_arguments(self, parser):
        parser.add_argument("--scale", type=float, default=1.0)
        for name, default in DEFAULTS.items():
            parser.add_argument(f"--{name}", type=int, help=f"default {default:,} × scale")
        parser.add_argument("--seed", type=int, default=2026)
        parser.add_argument(
            "--no-fast-load",
            dest="fast_load",
            action="store_false",
            help="PostgreSQL: keep secondary indexes and foreign-key triggers during the load "
            "(by default they are dropped/skipped and the indexes rebuilt at the end)",
        )

    def handle(self, *args, scale: float, seed: int, fast_load: bool = True, **options):
        counts = {
            name: options[name] if options[name] is not None else max(1, round(d * scale))
            for name, d in DEFAULTS.items()
        }
        counts["users"] = max(counts["users"], 12)
        counts["contracts"] = min(counts["contracts"], counts["opportunities"])
        if User.objects.filter(username="scale-ceo").exists():
            raise CommandError("The scale data set is already here (user scale-ceo exists).")
        started = time.monotonic()
        with transaction.atomic():
            generator = ScaleData(counts, random.Random(seed), self.stdout)  # noqa: S311
            if connection.vendor == "postgresql" and fast_load:
                indexes = fast_load_begin(MODELS)
                written = generator.run()
                generator.log(f"recreating {len(indexes)} indexes")
                fast_load_end(indexes)
            else:
                written = generator.run()
        if connection.vendor == "postgresql":
            self.stdout.write(vacuum_analyse(MODELS))
        total = sum(written.values())
        self.stdout.write(
            f"{total:,} rows in {time.monotonic() - started:.1f}s ({connection.vendor}): "
            + ", ".join(f"{model} {n:,}" for model, n in written.items())
        )

"""Time the daily collections scan over a large book, inside a transaction that is rolled
back at the end (nothing is left behind, no e-mail goes out). Speed belongs here, not in the
tests: `manage.py bench_reminder_scan --milestones 400000` on PostgreSQL."""

from __future__ import annotations

import datetime as dt
import random
import time
from decimal import Decimal

from django.core.management.base import BaseCommand
from django.db import connection, transaction
from django.utils import timezone

from accounts.models import Customer, IronTriangle, OrgUnit, User
from contracts.models import Contract
from core.choices import OrgUnitKind, Role
from core.models import Notification
from receivables.models import MilestoneReminder, PaymentMilestone
from receivables.reminders import scan


class Rollback(Exception):
    pass


class Command(BaseCommand):
    help = "Time the reminder scan over N generated milestones (rolled back afterwards)."

    def add_arguments(self, parser):
        parser.add_argument("--milestones", type=int, default=400_000)
        parser.add_argument("--open-share", type=float, default=0.15, help="Share not paid.")
        parser.add_argument("--seed", type=int, default=7)

    def handle(self, *args, milestones: int, open_share: float, seed: int, **options):
        try:
            with transaction.atomic():
                self._run(milestones, open_share, random.Random(seed))  # noqa: S311
                raise Rollback
        except Rollback:
            self.stdout.write("Rolled back: nothing was kept.")

    def _run(self, total: int, open_share: float, rng: random.Random) -> None:
        started = time.monotonic()
        today = timezone.localdate()
        office = OrgUnit.objects.create(
            name="Bench office", code="bench-office", kind=OrgUnitKind.OFFICE
        )
        teams = [
            OrgUnit.objects.create(name=f"Bench team {i}", code=f"bench-team-{i}", parent=office)
            for i in range(20)
        ]
        User.objects.create(username="bench-director", role=Role.SALES_MANAGER, org_unit=office)
        reps = []
        for i, team in enumerate(teams):
            User.objects.create(username=f"bench-mgr-{i}", role=Role.SALES_MANAGER, org_unit=team)
            reps.append(User.objects.create(username=f"bench-rep-{i}", org_unit=team))
        customers = Customer.objects.bulk_create(
            Customer(name=f"Bench customer {i}", org_unit=teams[i % 20], owner=reps[i % 20])
            for i in range(2000)
        )
        n_contracts = max(total // 4, 1)
        triangles = IronTriangle.objects.bulk_create(IronTriangle() for _i in range(n_contracts))
        contracts = Contract.objects.bulk_create(
            (
                Contract(
                    number=f"BENCH-{i:07d}",
                    title=f"Bench {i}",
                    customer=customers[i % len(customers)],
                    owner=reps[i % 20],
                    org_unit=teams[i % 20],
                    team=triangles[i],
                    amount=Decimal("400000.00"),
                    signed_on=today - dt.timedelta(days=rng.randint(0, 1400)),
                    state="in_delivery",
                )
                for i in range(n_contracts)
            ),
            batch_size=5000,
        )
        rows = []
        for i in range(total):
            due = today + dt.timedelta(days=rng.randint(-730, 365))
            is_open = due >= today or rng.random() < open_share
            rows.append(
                PaymentMilestone(
                    contract=contracts[i % n_contracts],
                    sequence=i // n_contracts + 1,
                    kind="custom",
                    name=f"Instalment {i // n_contracts + 1}",
                    amount=Decimal("100000.00"),
                    paid_amount=Decimal("0.00") if is_open else Decimal("100000.00"),
                    triggered_on=due,
                    due_date=due,
                    state="due" if is_open else "paid",
                )
            )
            if len(rows) == 10_000:
                PaymentMilestone.objects.bulk_create(rows)
                rows = []
        PaymentMilestone.objects.bulk_create(rows)
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE receivables_paymentmilestone")
        open_count = PaymentMilestone.objects.exclude(state="paid").count()
        self.stdout.write(
            f"Generated {total} milestones ({open_count} open) on {n_contracts} contracts "
            f"in {time.monotonic() - started:.1f}s ({connection.vendor})."
        )
        for label in ("first run", "second run (nothing new)"):
            started = time.monotonic()
            result = scan(today=today, batch=1000)
            self.stdout.write(
                f"Scan, {label}: {time.monotonic() - started:.1f}s — "
                f"{result.reminders} reminders, {result.notifications} notifications."
            )
        notes = Notification.objects.filter(kind__startswith="payment_reminder.").count()
        self.stdout.write(
            f"Reminders claimed: {MilestoneReminder.objects.count()}, notifications: {notes}"
        )

"""Issue 23.1's speed: the gate flow on the scale data set.

The scale generator writes no audit trail, so this script first writes a synthetic one for
every opportunity (its stages up to its state; at ATI, ATB and ATC a review opened and decided,
sometimes escalated, sometimes held and reviewed again; a lost or abandoned deal leaving from
a random open stage), then times:

- the rollup's full rebuild, and an incremental refresh after 1% of the deals moved (each
  with the snapshots of every org subtree's unfiltered flow, also timed alone);
- the whole company's flow for an administrator and a regional manager's flow (both their
  snapshot), the whole company read live (a period holding every arrow; the last year), a
  filtered flow (a product line and a size band), and the first drill-down page.

Everything runs in one transaction that is rolled back (the trail is append-only otherwise).

    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/ltc_bench
    DEBUG=1 .venv/bin/python manage.py migrate && DEBUG=1 .venv/bin/python manage.py \
        generate_scale_data --scale 0.05
    .venv/bin/python bench/bench_gate_flow.py --repeat 5
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ltc.settings")
os.environ.setdefault("DEBUG", "1")

import django  # noqa: E402

django.setup()

from django.contrib.contenttypes.models import ContentType  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from accounts.models import OrgUnit, User  # noqa: E402
from bench.bulk import BulkWriter  # noqa: E402
from core.choices import Role  # noqa: E402
from core.models import AuditEvent  # noqa: E402
from insights.models import FlowStep  # noqa: E402
from insights.selectors import FlowQuery, flow_arrow_deals, gate_flow  # noqa: E402
from insights.services import gate_flow_refresh, snapshots_take  # noqa: E402
from opportunities.models import Opportunity  # noqa: E402

ORDER = ["identified", "initiated", "guiding", "bidding", "bid_submitted", "negotiating", "won"]
GATE_BEFORE = {"initiated": "ati", "bid_submitted": "atb", "won": "atc"}


def trail(rng: random.Random, state: str, start: dt.datetime) -> list[tuple]:
    """(action, from, to, changes, at) of one synthetic deal ending in `state`."""
    if state in ("lost", "abandoned"):
        last = rng.randrange(len(ORDER) - 1)
        path = [*ORDER[: last + 1], state]
    else:
        path = ORDER[: ORDER.index(state) + 1]
    at, events = start, []
    for a, b in zip(path, path[1:], strict=False):
        gate = GATE_BEFORE.get(b)
        if gate:
            rounds = 2 if rng.random() < 0.1 else 1
            for r in range(rounds):
                at += dt.timedelta(hours=rng.randint(2, 200))
                events.append(("gate.opened", "", "", {"gate": gate}, at))
                if rng.random() < 0.15:
                    at += dt.timedelta(hours=rng.randint(1, 48))
                    events.append(("gate.escalated", "", "", {"gate": gate}, at))
                at += dt.timedelta(hours=rng.randint(2, 120))
                decision = "hold" if r < rounds - 1 else "go"
                events.append(("gate.decided", "", "", {"gate": gate, "decision": decision}, at))
        at += dt.timedelta(hours=rng.randint(1, 900))
        events.append(("transition", a, b, {}, at))
    return events


def write_trail(deals, rng) -> int:
    """The synthetic trail, written with COPY (`bench.bulk.BulkWriter`; bulk_create elsewhere):
    at full size, 2.4M events."""
    kind = ContentType.objects.get_for_model(Opportunity).pk
    writer = BulkWriter(AuditEvent)
    for pk, state, created in deals:
        for action, a, b, changes, at in trail(rng, state, created):
            writer.add(
                target_type_id=kind,
                target_id=pk,
                action=action,
                from_state=a,
                to_state=b,
                changes=changes,
                at=at,
                via="system",
            )
    return writer.close()


def timed(call, repeat: int) -> tuple[float, float]:
    call()
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        call()
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples), max(samples)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    rng = random.Random(23)
    deals = list(Opportunity.objects.values_list("pk", "state", "created_at"))
    print(f"{connection.vendor}: {len(deals):,} opportunities")
    with transaction.atomic():
        started = time.perf_counter()
        events = write_trail(deals, rng)
        print(f"synthetic trail: {events:,} events in {time.perf_counter() - started:.1f} s")
        started = time.perf_counter()
        gate_flow_refresh(full=True)
        steps = FlowStep.objects.count()
        print(f"full rebuild: {steps:,} steps in {time.perf_counter() - started:.1f} s")
        moved = rng.sample(deals, max(1, len(deals) // 100))
        write_trail([(pk, "lost", created) for pk, _s, created in moved], rng)
        started = time.perf_counter()
        rebuilt = gate_flow_refresh()
        print(f"incremental refresh ({rebuilt:,} deals): {time.perf_counter() - started:.2f} s")
        started = time.perf_counter()
        snapshots_take(timezone.now())
        print(f"  the snapshots alone: {time.perf_counter() - started:.2f} s")
        admin = User.objects.filter(role=Role.ADMIN).first() or User.objects.create(
            username="bench-gate-flow-admin",
            role=Role.ADMIN,
            is_superuser=True,
            org_unit=OrgUnit.objects.filter(parent=None).first(),
        )  # the scale data has none; rolled back
        manager = (
            User.objects.filter(role=Role.SALES_MANAGER, org_unit__kind="region").first()
            or User.objects.filter(role=Role.SALES_MANAGER).first()
        )
        line = Opportunity.objects.exclude(product_line="").values_list("product_line").first()
        filtered = FlowQuery(product_line=line[0] if line else "", amount_min=1_000_000)
        every = FlowQuery(date_from=dt.date(1900, 1, 1))
        year = FlowQuery(date_from=timezone.localdate() - dt.timedelta(days=365))
        cases = {
            "whole company, administrator": lambda: gate_flow(admin, FlowQuery()),
            f"manager ({manager.org_unit}), own scope": lambda: gate_flow(manager, FlowQuery()),
            "whole company, live (a period holding every arrow)": lambda: gate_flow(admin, every),
            "whole company, one year, live": lambda: gate_flow(admin, year),
            "administrator, product line + size band": lambda: gate_flow(admin, filtered),
            "drill-down, first page of 50": lambda: list(
                flow_arrow_deals(admin, FlowQuery(), "stage:identified", "gate:ati").order_by(
                    "-id"
                )[:50]
            ),
        }
        print(f"steps the administrator counts: {FlowStep.objects.count():,}")
        for name, call in cases.items():
            p50, worst = timed(call, args.repeat)
            print(f"{name}: p50 {p50:,.0f} ms, max {worst:,.0f} ms")
        transaction.set_rollback(True)


if __name__ == "__main__":
    main()

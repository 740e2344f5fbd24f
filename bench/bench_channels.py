"""Issue 21's speed on the scale data set with its channel part (`generate_channel_data`):

- a quote line's price check: the agreement price in force for a (customer or partner,
  product), as `opportunities.agreements.agreement_price_for` asks it — one query, timed over
  random pairs that have a price and pairs that have none, with the index its plan uses;
- the partner lists a partner manager and a partner user read (first page of 25): the
  partner's registrations and the deals sold through it.

    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/ltc_bench
    DEBUG=1 .venv/bin/python manage.py generate_scale_data
    DEBUG=1 .venv/bin/python manage.py generate_channel_data
    .venv/bin/python bench/bench_channels.py --repeat 200

Prints p50/p95 in ms; writes nothing.
"""

from __future__ import annotations

import argparse
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

from django.db import connection, transaction  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from opportunities.agreements import agreement_price_for, agreement_price_query  # noqa: E402
from opportunities.models import AgreementPrice, Opportunity, Product  # noqa: E402
from opportunities.selectors import opportunity_list  # noqa: E402
from partners.models import Partner  # noqa: E402
from partners.selectors import partner_registration_list  # noqa: E402
from partners.services import member_create  # noqa: E402
from portal import selectors as portal_selectors  # noqa: E402


def timed(calls, repeat: int) -> tuple[float, float]:
    """p50 and p95 of `repeat` calls, each a different argument (after a warm-up)."""
    calls[0]()
    samples = []
    for call in calls[:repeat]:
        started = time.perf_counter()
        call()
        samples.append((time.perf_counter() - started) * 1000)
    samples.sort()
    return statistics.median(samples), samples[max(0, int(len(samples) * 0.95) - 1)]


def plan(queryset) -> str:
    text = queryset.explain()
    used = sorted(
        {
            line.split(" using ")[1].split()[0]
            if " using " in line
            else line.split(" on ")[1].split()[0]
            for line in text.splitlines()
            if "Index" in line and (" using " in line or " on " in line)
        }
    )
    return ", ".join(used) or "no index (sequential scan)"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=200)
    args = parser.parse_args()
    rng = random.Random(7)  # noqa: S311
    counts = {
        "partners": Partner.objects.count(),
        "agreement prices": AgreementPrice.objects.count(),
        "products": Product.objects.count(),
        "deals with a partner": Opportunity.objects.exclude(partner=None).count(),
    }
    print(", ".join(f"{k}: {v:,}" for k, v in counts.items()))
    prices = list(
        AgreementPrice.objects.order_by("?").values_list("customer_id", "partner_id", "product_id")[
            : args.repeat
        ]
    )
    products = list(Product.objects.values_list("pk", flat=True))
    rows = []

    def check(customer, partner, product):
        return lambda: agreement_price_for(product, customer_id=customer, partner_id=partner)

    with CaptureQueriesContext(connection) as queries:
        check(*prices[0])()
    assert len(queries) == 1, queries.captured_queries
    found = [check(*p) for p in prices]
    missing = [check(c, p, rng.choice(products)) for c, p, _ in prices]
    customer, partner, product = prices[0]
    for label, calls in (
        ("price check, a pair with a price", found),
        ("… a pair without", missing),
    ):
        p50, p95 = timed(calls, args.repeat)
        query = agreement_price_query(product, customer_id=customer, partner_id=partner)
        rows.append((label, p50, p95, plan(query)))

    busiest = (
        Opportunity.objects.exclude(partner=None)
        .values("partner")
        .order_by()
        .annotate(n=django.db.models.Count("pk"))
        .order_by("-n")
        .first()
    )
    partner = Partner.objects.select_related("manager").get(pk=busiest["partner"])
    manager = partner.manager
    lists = {
        "partner's registrations, manager, first page": lambda: list(
            partner_registration_list(user=manager).filter(partner=partner).order_by("-id")[:25]
        ),
        "deals through the partner, manager, first page": lambda: list(
            opportunity_list(user=manager).filter(partner=partner).order_by("-id")[:25]
        ),
    }
    with transaction.atomic():  # a partner user of the busiest partner, rolled back
        member = member_create(
            by=manager,
            partner=partner,
            data={"username": "bench-partner-user"},
            password="Bench-pass-2026!",
        ).user
        lists.update(
            {
                "portal: registrations, partner user, first page": lambda: list(
                    portal_selectors.registrations(member)[:50]
                ),
                "portal: opportunities, partner user, first page": lambda: list(
                    portal_selectors.opportunities(member)[:50]
                ),
            }
        )
        for label, call in lists.items():
            p50, p95 = timed([call] * args.repeat, args.repeat)
            rows.append((label, p50, p95, ""))
        transaction.set_rollback(True)
    print(f"{'case':<60} {'p50 ms':>8} {'p95 ms':>8}  plan")
    for label, p50, p95, used in rows:
        print(f"{label:<60} {p50:>8.2f} {p95:>8.2f}  {used}")


if __name__ == "__main__":
    main()

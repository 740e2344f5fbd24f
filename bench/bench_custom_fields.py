"""A list filtered and sorted on a custom field against the same on a built-in field
(issue 20.2), on the scale data set, in one transaction that is rolled back.

    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/ltc_bench
    DEBUG=1 .venv/bin/python manage.py generate_scale_data --scale 0.05
    .venv/bin/python bench/bench_custom_fields.py --repeat 30

It defines two custom fields on opportunities (a number, `score`, and a choice, `segment`),
writes values into every opportunity with one UPDATE (numbers spread like the amounts, one
segment in ten "gold", as selective as one stage in ten), ANALYZEs, then times the first page
(25 rows) of the list as the API builds it (the policy-scoped selector, core's FilterSet with
`?custom.…`) for an administrator, against the same on a built-in column:

- equality: `?custom.segment=gold` (GIN `jsonb_path_ops` containment) vs `?state=bidding`;
- range and sort: `custom.score >= x` ordered by the score vs `amount >= x` ordered by amount;
- the same range with an expression index on `(custom->>'score')::numeric`, the index a
  number field that is filtered by ranges needs (made by hand here);
- the range + sort as the API runs `?custom.score__gte=x&ordering=-custom.score` (and
  ascending) now that sorting by a custom field exists: the app's own index
  (`core.custom_fields.indexes.ensure_field_index`, a plain build inside the transaction) and
  the app's keyset page (`core.custom_fields.ordering.CustomSortPages`); also the page after
  a cursor from the middle of the list (issue 20.2).

It prints p50/p95 in ms and the plan's index use; nothing it writes is kept.
"""

from __future__ import annotations

import argparse
import os
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

from django.db import connection, models, transaction  # noqa: E402
from django.db.models.fields.json import KT  # noqa: E402
from django.db.models.functions import Cast  # noqa: E402
from django.http import QueryDict  # noqa: E402

from accounts.models import User  # noqa: E402
from core.custom_fields.indexes import ensure_field_index  # noqa: E402
from core.custom_fields.ordering import CustomSortPages  # noqa: E402
from core.custom_fields.services import custom_field_create  # noqa: E402
from opportunities.filters import OpportunityFilter  # noqa: E402
from opportunities.models import Opportunity  # noqa: E402
from opportunities.selectors import opportunity_list  # noqa: E402

SEGMENTS = [
    {"value": "gold", "label_en": "Gold", "label_zh": "金"},
    {"value": "other", "label_en": "Other", "label_zh": "其他"},
    {"value": "rare", "label_en": "Rare", "label_zh": "少见"},
]


class Rollback(Exception):
    pass


def timed(fn, repeat: int) -> tuple[float, float]:
    fn()
    samples = []
    for _i in range(repeat):
        started = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - started) * 1000)
    samples.sort()
    return statistics.median(samples), samples[max(0, int(len(samples) * 0.95) - 1)]


def page(user, query: str, ordering):
    """The list as the API builds it; `amount>=x` (no such API filter) as a plain filter."""
    params = QueryDict(query, mutable=True)
    amount_min = params.pop("amount_min", [None])[0]
    filterset = OpportunityFilter(params, queryset=opportunity_list(user=user))
    assert filterset.is_valid(), filterset.errors
    queryset = filterset.qs
    if amount_min is not None:
        queryset = queryset.filter(amount__gte=amount_min)
    return queryset.order_by(*ordering)


def first_page(user, query, ordering):
    return lambda: list(page(user, query, ordering)[:25])


def plan(queryset) -> str:
    text = queryset[:25].explain()
    used = set()
    for line in text.splitlines():
        if "Index" not in line:
            continue
        if " using " in line:  # Index Scan using <index> on <table>
            used.add(line.split(" using ")[1].split()[0])
        elif " on " in line:  # Bitmap Index Scan on <index>
            used.add(line.split(" on ")[1].split()[0])
    used = sorted(used)
    return ", ".join(used) or "no index (sequential scan)"


def app_sort_cases(admin, field, cut, count: int, repeat: int) -> list[tuple]:
    """The range + sort as the API runs it, on the index the app makes for the field."""
    ensure_field_index(field)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE opportunities_opportunity")
    found = []
    for descending in (True, False):
        sign = "-" if descending else ""
        filtered = page(admin, f"custom.score__gte={cut}", [])
        pages = CustomSortPages(filtered, field, descending)
        middle = pages.read(None, max(1, count // 20))[-1]  # a cursor half-way into the range
        position = (middle._custom_sort, middle.pk)
        label = f"?custom.score__gte=p90&ordering={sign}custom.score (app index)"
        for what, at in (("first page", None), ("page after a cursor", position)):
            p50, p95 = timed(lambda at=at, pages=pages: pages.read(at, 26), repeat)
            segment = pages._valued(at, backwards=False) if at else pages._valued()
            found.append((f"{label}, {what}", p50, p95, plan(segment)))
    return found


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("PostgreSQL only (the GIN index is PostgreSQL's).")
    count = Opportunity.objects.count()
    amount_cut = (
        Opportunity.objects.order_by("-amount").values_list("amount", flat=True)[count // 10]
        if count
        else 0
    )
    rows = []
    try:
        with transaction.atomic():
            # The scale data has no administrator: one for this run (rolled back).
            admin = User.objects.create(
                username="bench-custom-fields", role="admin", is_superuser=True
            )
            fields = {}
            for key, kind, extra in (
                ("score", "number", {}),
                ("segment", "choice", {"choices": SEGMENTS}),
            ):
                fields[key] = custom_field_create(
                    by=admin,
                    data={
                        "target": "opportunities.opportunity",
                        "key": key,
                        "label_en": key,
                        "label_zh": key,
                        "type": kind,
                        **extra,
                    },
                )
            with connection.cursor() as cursor:
                started = time.perf_counter()
                cursor.execute(
                    "UPDATE opportunities_opportunity SET custom = jsonb_build_object("
                    "'score', amount::text, 'segment', "
                    "CASE WHEN id % 1000 = 0 THEN 'rare' WHEN id % 10 = 0 THEN 'gold' "
                    "ELSE 'other' END)"
                )
                cursor.execute("ANALYZE opportunities_opportunity")
                written = time.perf_counter() - started
            score = Cast(KT("custom__score"), models.DecimalField(max_digits=38, decimal_places=8))
            cases = [
                ("built-in equality ?state=bidding, by -id", "state=bidding", ["-id"]),
                ("custom equality ?custom.segment=gold, by -id", "custom.segment=gold", ["-id"]),
                (
                    "custom equality, 1 in 1000: ?custom.segment=rare",
                    "custom.segment=rare",
                    ["-id"],
                ),
                (
                    "built-in range amount >= p90, by -amount",
                    f"amount_min={amount_cut}",
                    ["-amount", "-id"],
                ),
                (
                    "custom range custom.score >= p90, by -score",
                    f"custom.score__gte={amount_cut}",
                    [score.desc(), "-id"],
                ),
            ]
            for label, query, ordering in cases:
                p50, p95 = timed(first_page(admin, query, ordering), args.repeat)
                rows.append((label, p50, p95, plan(page(admin, query, ordering))))
            with connection.cursor() as cursor:
                cursor.execute(
                    "CREATE INDEX bench_custom_score ON opportunities_opportunity "
                    "(((custom->>'score')::numeric(38,8)))"
                )
                cursor.execute("ANALYZE opportunities_opportunity")
            label, query, ordering = cases[-1]
            p50, p95 = timed(first_page(admin, query, ordering), args.repeat)
            rows.append(
                (label + " + expression index", p50, p95, plan(page(admin, query, ordering)))
            )
            with connection.cursor() as cursor:
                cursor.execute("DROP INDEX bench_custom_score")
            rows += app_sort_cases(admin, fields["score"], amount_cut, count, args.repeat)
            raise Rollback
    except Rollback:
        pass
    print(f"opportunities: {count}; values written in {written:.1f} s (rolled back)")
    print(f"{'case':<80} {'p50 ms':>8} {'p95 ms':>8}  plan")
    for label, p50, p95, used in rows:
        print(f"{label:<80} {p50:>8.1f} {p95:>8.1f}  {used}")


if __name__ == "__main__":
    main()

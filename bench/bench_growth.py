"""Growth benchmark (issue 24.1): each kind of viewer's list pages and reports, at one data size.

Run it on the scale data at several sizes (`generate_scale_data --scale 0.1`, `1`, `3`): for a
viewer whose own records do not grow (a rep of one team, a solution manager holding a configured
role over two teams, finance over its region, a region's manager) the figures should stay flat
while the tables grow ten-fold. `--or` runs the same requests with the access policy's old
predicate (one OR of owner, seat and unit, which no index answers) instead of the union of
indexed look-ups (`core.access.indexed_union`), for the before/after on the same data.

    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/ltc_bench_NAME
    .venv/bin/python bench/bench_growth.py --repeat 20 [--or]

The configured role is given inside a transaction that is rolled back at the end.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ltc.settings")
os.environ.setdefault("DEBUG", "1")

import django  # noqa: E402

django.setup()
logging.disable(logging.INFO)

from django.conf import settings  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402

settings.DEBUG = False
settings.ALLOWED_HOSTS = ["*"]

from accounts.models import OrgUnit, User  # noqa: E402
from bench.run import Rollback, get, timed  # noqa: E402

URLS = {
    "leads list": "/api/v1/leads/?ordering=-id",
    "opportunities list": "/api/v1/opportunities/?ordering=-id",
    "milestones list": "/api/v1/payment-milestones/?ordering=-id",
    "funnel": "/api/v1/dashboards/funnel/",
    "pipeline dashboard": "/api/v1/dashboards/pipeline/",
    "ageing by org unit": "/api/v1/receivables/ageing/?group=org_unit",
}
ROLE_PERMISSIONS = [
    f"{area}.{action}"
    for area in ("leads", "opportunities", "milestones", "customers")
    for action in ("view", "see_amounts")
]


def configured_viewer() -> User:
    """A solution manager given a configured role over their own team and the next one."""
    from accounts.services import role_assign, role_create

    admin = User.objects.filter(is_superuser=True).first() or User.objects.get(username="scale-ceo")
    admin.is_superuser = True  # in the rolled-back transaction: may define roles
    viewer = User.objects.get(username="scale-sr1")
    role = role_create(
        by=admin,
        data={"code": "bench_presales", "name_en": "Presales", "permissions": ROLE_PERMISSIONS},
    )
    units = OrgUnit.objects.filter(pk__gte=viewer.org_unit_id).order_by("pk")[:2]
    for unit in units:
        role_assign(by=admin, user=viewer, role=role, org_unit=unit, scope="team")
    viewer.refresh_from_db()
    return viewer


def refresh_rollups_once() -> None:
    """The funnel and ageing rollups as Celery beat keeps them in production: built once if
    this data set never had them (freshly generated data), else left as they are."""
    from core.models import RollupRefresh
    from keyaccounts.services import rollups as funnel_rollup
    from receivables import rollups as ageing_rollup

    for name, rollup in (("funnel", funnel_rollup), ("ageing", ageing_rollup)):
        if not RollupRefresh.objects.filter(rollup=name).exists():
            rows = rollup.refresh()
            print(f"{name} rollup built once (what beat keeps): {rows:,} rows", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--or", dest="plain_or", action="store_true")
    parser.add_argument("--viewers", default="rep,configured,finance,manager")
    args = parser.parse_args()
    if args.plain_or:
        from core import policy

        policy.indexed_union = lambda model, q: q
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM opportunities_opportunity")
        opportunities = cursor.fetchone()[0]
    print(f"opportunities: {opportunities:,}; predicate: {'OR' if args.plain_or else 'union'}")
    refresh_rollups_once()
    print("| viewer | request | p50 ms | p95 ms |")
    print("| --- | --- | ---: | ---: |")
    try:
        with transaction.atomic():
            viewers = {
                "rep": lambda: User.objects.get(username="scale-rep1"),
                "configured": configured_viewer,
                "finance": lambda: User.objects.get(username="scale-fin1"),
                "manager": lambda: User.objects.get(username="scale-rm1"),
            }
            for name in args.viewers.split(","):
                client = Client()
                client.force_login(viewers[name]())
                for label, url in URLS.items():
                    p50, p95 = timed(get(client, url), args.repeat)
                    print(f"| {name} | {label} | {p50:.1f} | {p95:.1f} |", flush=True)
            raise Rollback
    except Rollback:
        pass


if __name__ == "__main__":
    main()

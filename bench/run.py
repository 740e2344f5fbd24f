"""The benchmark suite: the app against the raw SQL floor on the scale data set.

Generate the data once, then run the suite (read-only but for the import and the reminder
scan, which run inside transactions that are rolled back):

    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/ltc_bench
    DEBUG=1 .venv/bin/python manage.py migrate
    DEBUG=1 .venv/bin/python manage.py generate_scale_data --scale 0.05   # 1.0 = full size
    .venv/bin/python bench/run.py                     # all; --only leads,funnel; --repeat 30

Each read benchmark requests the app in-process (Django's test client, a signed-in user, the
whole middleware stack, JSON or HTML rendered) and runs hand-written SQL answering the same
question on the same rows; it prints p50/p95 of both, their ratio and the app's queries per
request. Timings are wall-clock on this machine; the ratio is what carries across machines.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ltc.settings")
os.environ.setdefault("DEBUG", "1")  # no SECRET_KEY / TLS needed; query logging stays off below

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.db.models import Count  # noqa: E402
from django.test import Client  # noqa: E402
from django.urls import reverse  # noqa: E402

settings.DEBUG = False
settings.ALLOWED_HOSTS = ["*"]

from accounts.models import Customer, OrgUnit, User  # noqa: E402

RESULTS: list[tuple] = []


class Rollback(Exception):
    pass


def timed(fn, repeat: int) -> tuple[float, float]:
    fn()  # warm up: caches, plans, pools
    samples = []
    for _i in range(repeat):
        started = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - started) * 1000)
    samples.sort()
    return statistics.median(samples), samples[max(0, int(len(samples) * 0.95) - 1)]


def sql(query: str, params=()):
    def run():
        with connection.cursor() as cursor:
            cursor.execute(query, params)
            return cursor.fetchall()

    return run


def get(client: Client, url: str):
    def run():
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code, response.content[:300])
        return response

    return run


def compare(name: str, client: Client, url: str, floor, repeat: int) -> None:
    queries = []
    with connection.execute_wrapper(lambda execute, q, *a: queries.append(q) or execute(q, *a)):
        get(client, url)()
    if os.environ.get("BENCH_SHOW_QUERIES"):
        print(name, *queries, sep="\n  ")
    app_p50, app_p95 = timed(get(client, url), repeat)
    sql_p50, sql_p95 = timed(floor, repeat)
    RESULTS.append((name, app_p50, app_p95, sql_p50, sql_p95, len(queries)))


def login(username: str) -> Client:
    client = Client()
    client.force_login(User.objects.get(username=username))
    return client


def subtree(unit: OrgUnit) -> str:
    return f"org_unit_id IN (SELECT id FROM accounts_orgunit WHERE path LIKE '{unit.path}%%')"


def deep_cursor(client: Client, url: str, pages: int) -> tuple[str, int]:
    """The URL of page `pages` of a list (following `next`), and the last id before it."""
    for _i in range(pages):
        body = get(client, url)().json()
        if not body["next"]:
            break
        url, last = body["next"], body["results"][-1]["id"]
    return url, last


LIST_SQL = {
    "leads": (
        "SELECT l.id, l.title, l.state, l.score, l.company_name, c.name, u.username "
        "FROM leads_lead l LEFT JOIN accounts_customer c ON c.id = l.customer_id "
        "LEFT JOIN accounts_user u ON u.id = l.owner_id WHERE l.{scope} AND l.state = %s "
        "{deep} ORDER BY l.id DESC LIMIT 50"
    ),
    "opportunities": (
        "SELECT o.id, o.number, o.name, o.state, o.amount, c.name, u.username "
        "FROM opportunities_opportunity o JOIN accounts_customer c ON c.id = o.customer_id "
        "JOIN accounts_user u ON u.id = o.owner_id WHERE o.{scope} AND o.state = %s "
        "{deep} ORDER BY o.id DESC LIMIT 50"
    ),
    "payment-milestones": (
        "SELECT m.id, m.name, m.state, m.amount, m.paid_amount, m.due_date, k.number, c.name "
        "FROM receivables_paymentmilestone m JOIN contracts_contract k ON k.id = m.contract_id "
        "JOIN accounts_customer c ON c.id = k.customer_id WHERE k.{scope} AND m.state = %s "
        "{deep} ORDER BY m.id DESC LIMIT 50"
    ),
}
LIST_STATE = {"leads": "nurturing", "opportunities": "bidding", "payment-milestones": "invoiced"}


def bench_lists(repeat: int, manager: User, region: OrgUnit) -> None:
    client = login(manager.username)
    for resource, template in LIST_SQL.items():
        state = LIST_STATE[resource]
        url = f"/api/v1/{resource}/?state={state}&ordering=-id"
        alias = template.split("WHERE ")[1][0]
        first = template.format(scope=subtree(region), deep="")
        compare(f"{resource}: first page", client, url, sql(first, [state]), repeat)
        deep_url, last = deep_cursor(client, url, 20)
        deep = template.format(scope=subtree(region), deep=f"AND {alias}.id < %s")
        compare(f"{resource}: page 20 (cursor)", client, deep_url, sql(deep, [state, last]), repeat)


def bench_reports(repeat: int, ceo: User, manager: User, region: OrgUnit) -> None:
    funnel = (
        "SELECT state, count(*), sum(amount), sum(amount * probability_pct / 100) "
        "FROM opportunities_opportunity WHERE currency = 'CNY' {scope} GROUP BY state"
    )
    ageing = (
        "SELECT k.org_unit_id, m.currency, count(*), "
        "sum(m.amount - m.paid_amount - m.written_off_amount), "
        "sum(m.amount - m.paid_amount - m.written_off_amount) FILTER (WHERE m.due_date < now()) "
        "FROM receivables_paymentmilestone m JOIN contracts_contract k ON k.id = m.contract_id "
        "WHERE m.state IN ('due', 'invoiced', 'partly_paid') {scope} "
        "GROUP BY k.org_unit_id, m.currency"
    )
    from keyaccounts.services import rollups as funnel_rollup
    from receivables import rollups as ageing_rollup

    # What the Celery beat tasks do every 10 minutes and every minute (BENCH_NO_REFRESH=1:
    # use the last ones).
    for name, rollup in (("funnel", funnel_rollup), ("ageing", ageing_rollup)):
        if os.environ.get("BENCH_NO_REFRESH"):
            break
        started = time.perf_counter()
        written = rollup.refresh()
        RESULTS.append(
            (
                f"{name} rollup refresh (beat task)",
                (time.perf_counter() - started) * 1000,
                None,
                None,
                None,
                f"{written:,} rollup rows",
            )
        )
    for who, user, unit in (("company", ceo, None), ("region", manager, region)):
        client = login(user.username)
        scope = f"AND {subtree(unit)}" if unit else ""
        compare(
            f"funnel: {who}",
            client,
            "/api/v1/dashboards/funnel/",
            sql(funnel.format(scope=scope)),
            repeat,
        )
        compare(
            f"ageing: {who}",
            client,
            "/api/v1/receivables/ageing/?group=org_unit",
            sql(ageing.format(scope=scope.replace("org_unit_id", "k.org_unit_id"))),
            repeat,
        )


def bench_pages(repeat: int, manager: User, region: OrgUnit) -> None:
    client = login(manager.username)
    # The board's question: count and amount per stage and currency (open stages, and won in
    # the last 90 days), the first 20 cards of each column with customer and owner, and which
    # of them have an open gate review.
    on_board = (
        f"o.{subtree(region)} AND o.state IN ('identified','initiated','guiding','bidding',"
        "'bid_submitted','negotiating','won') AND NOT (o.state = 'won' AND "
        "o.closed_at < now() - interval '90 days')"
    )
    board_totals = sql(
        "SELECT o.state, o.currency, count(*), sum(o.amount) FROM opportunities_opportunity o "
        f"WHERE {on_board} GROUP BY 1, 2"
    )
    board_cards = sql(
        "SELECT o.*, c.name, u.username FROM unnest(ARRAY['identified','initiated','guiding',"
        "'bidding','bid_submitted','negotiating','won']) s(state) CROSS JOIN LATERAL ("
        "SELECT o.id, o.number, o.name, o.amount, o.currency, o.probability_pct, "
        "o.expected_close_date, o.customer_id, o.owner_id FROM opportunities_opportunity o "
        f"WHERE o.state = s.state AND {on_board} "
        "ORDER BY o.expected_close_date NULLS LAST, o.id DESC LIMIT 20) o "
        "JOIN accounts_customer c ON c.id = o.customer_id "
        "JOIN accounts_user u ON u.id = o.owner_id"
    )

    def board():
        cards = board_cards()
        ids = [row[0] for row in cards]
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT subject_id FROM ltc_gatereview WHERE state = 'open' "
                "AND subject_id = ANY(%s)",
                [ids],
            )
            cursor.fetchall()
        return board_totals(), cards

    compare("pipeline board (page)", client, reverse("opportunities:board"), board, repeat)
    customer = (
        Customer.objects.filter(org_unit__path__startswith=region.path)
        .annotate(n=Count("contracts"))
        .order_by("-n")
        .first()
    )
    # The battle map's question: the account and its subsidiaries, their contracts with the
    # iron triangle and delivery milestones, every payment milestone, progress and unapplied
    # credit per currency, the first 20 unpaid invoices and the last 10 receipts with what
    # they paid.
    of_account = "(SELECT id FROM accounts_customer WHERE id = %(c)s OR parent_id = %(c)s)"
    battle_statements = [
        "SELECT * FROM accounts_customer WHERE id = %(c)s OR parent_id = %(c)s",
        "SELECT k.*, u.username FROM contracts_contract k JOIN accounts_user u ON u.id = "
        f"k.owner_id WHERE k.customer_id IN {of_account} ORDER BY k.signed_on DESC, k.id DESC",
        "SELECT t.*, u.username FROM accounts_irontrianglemember t JOIN accounts_user u ON "
        "u.id = t.user_id WHERE t.team_id IN (SELECT team_id FROM contracts_contract WHERE "
        f"customer_id IN {of_account})",
        "SELECT d.* FROM contracts_deliverymilestone d JOIN contracts_contract k ON k.id = "
        f"d.contract_id WHERE k.customer_id IN {of_account}",
        "SELECT m.* FROM receivables_paymentmilestone m JOIN contracts_contract k ON k.id = "
        f"m.contract_id WHERE k.customer_id IN {of_account} ORDER BY m.contract_id, m.sequence",
        "SELECT m.currency, sum(m.amount), sum(m.invoiced_amount), sum(m.paid_amount), "
        "sum(m.written_off_amount), sum(m.amount - m.paid_amount - m.written_off_amount) "
        "FILTER (WHERE m.due_date < now()), count(*) FROM receivables_paymentmilestone m "
        f"JOIN contracts_contract k ON k.id = m.contract_id WHERE k.customer_id IN {of_account} "
        "GROUP BY 1",
        "SELECT currency, sum(amount) - sum(allocated_amount) FROM receivables_receipt WHERE "
        f"customer_id IN {of_account} AND state = 'posted' GROUP BY 1",
        "SELECT i.* FROM receivables_invoice i WHERE i.customer_id IN "
        f"{of_account} AND i.state = 'issued' AND i.paid_amount <> i.amount "
        "ORDER BY i.issued_on, i.id LIMIT 20",
        "SELECT r.*, a.*, m.name, k.number FROM (SELECT * FROM receivables_receipt WHERE "
        f"customer_id IN {of_account} ORDER BY received_on DESC, id DESC LIMIT 10) r "
        "LEFT JOIN receivables_receiptallocation a ON a.receipt_id = r.id "
        "LEFT JOIN receivables_paymentmilestone m ON m.id = a.milestone_id "
        "LEFT JOIN contracts_contract k ON k.id = m.contract_id",
    ]

    def battle():
        return [sql(statement, {"c": customer.pk})() for statement in battle_statements]

    compare(
        "battle map (page)",
        client,
        reverse("receivables:battle-map", args=[customer.pk]),
        battle,
        repeat,
    )


def bench_import(rows: int, manager: User) -> None:
    sys.path.insert(0, str(ROOT / "bench"))
    from bench_import import make_rows, write_file
    from django.core.files.uploadedfile import SimpleUploadedFile

    from accounts.imports.services import import_commit, import_start

    settings.IMPORT_INLINE_MAX_BYTES = settings.IMPORT_INLINE_MAX_ROWS = 10**12
    settings.IMPORT_MAX_BYTES = 10**12
    existing = list(Customer.objects.order_by("?").values_list("name", flat=True)[: rows // 20])
    with tempfile.TemporaryDirectory() as tmp:
        settings.MEDIA_ROOT = Path(tmp) / "media"
        path = write_file(make_rows(rows, existing), "csv", Path(tmp))
        upload = SimpleUploadedFile(path.name, path.read_bytes())
        try:
            with transaction.atomic():
                started = time.perf_counter()
                job = import_start(by=manager, kind="customers", upload=upload)
                job = import_commit(job=job, by=manager, mode="valid")
                # The checks a real commit runs (deferred foreign keys), though this rolls back.
                with connection.cursor() as cursor:
                    cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
                seconds = time.perf_counter() - started
                raise Rollback
        except Rollback:
            pass
    RESULTS.append(
        (
            f"import {rows:,} customers (preview+commit)",
            seconds * 1000,
            None,
            None,
            None,
            f"{rows / seconds:,.0f} rows/s; {job.rows_created} new, {job.rows_duplicate} dup",
        )
    )


def bench_reminder_scan() -> None:
    from django.utils import timezone

    from receivables.models import PaymentMilestone
    from receivables.reminders import scan

    total = PaymentMilestone.objects.count()
    floor = sql(
        "SELECT id, contract_id, due_date FROM receivables_paymentmilestone "
        "WHERE state IN ('due', 'invoiced', 'partly_paid') AND due_date IN (%s, %s, %s, %s)",
        [timezone.localdate() + timezone.timedelta(days=d) for d in (7, 3, 1, 0)],
    )
    floor_ms, _p95 = timed(floor, 3)
    try:
        with transaction.atomic():
            started = time.perf_counter()
            result = scan(batch=1000)
            seconds = time.perf_counter() - started
            raise Rollback
    except Rollback:
        pass
    RESULTS.append(
        (
            f"reminder scan over {total:,} milestones",
            seconds * 1000,
            None,
            floor_ms,
            None,
            f"{result.reminders} reminders, {result.notifications} notifications",
        )
    )


def print_table() -> None:
    def ms(value):
        return "" if value is None else f"{value:9.1f}"

    print(
        f"\n{'benchmark':44} {'app p50':>9} {'app p95':>9} {'SQL p50':>9} {'SQL p95':>9}"
        f" {'ratio':>6} {'queries / note'}"
    )
    for name, app50, app95, sql50, sql95, note in RESULTS:
        ratio = f"{app50 / sql50:6.1f}" if sql50 else ""
        print(f"{name:44} {ms(app50)} {ms(app95)} {ms(sql50)} {ms(sql95)} {ratio:>6} {note}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--only", default="lists,reports,pages,import,scan")
    parser.add_argument("--import-rows", type=int, nargs="+", default=[3000])
    args = parser.parse_args()
    only = set(args.only.split(","))
    if connection.vendor != "postgresql":
        sys.exit("Run the benchmarks on PostgreSQL (DATABASE_URL) with generate_scale_data.")
    ceo, manager = User.objects.get(username="scale-ceo"), User.objects.get(username="scale-rm1")
    region = manager.org_unit
    counts = {model.__name__: model.objects.count() for model in (User, Customer)}
    with connection.cursor() as cursor:
        for table in ("leads_lead", "opportunities_opportunity", "receivables_paymentmilestone"):
            cursor.execute(f"SELECT count(*) FROM {table}")  # noqa: S608
            counts[table.split("_", 1)[1]] = cursor.fetchone()[0]
        cursor.execute("SHOW server_version")
        version = cursor.fetchone()[0]
    print(f"PostgreSQL {version}, {os.cpu_count()} CPUs; data: {counts}")
    if "lists" in only:
        bench_lists(args.repeat, manager, region)
    if "reports" in only:
        bench_reports(args.repeat, ceo, manager, region)
    if "pages" in only:
        bench_pages(args.repeat, manager, region)
    if "import" in only:
        for rows in args.import_rows:
            bench_import(rows, manager)
    if "scan" in only:
        bench_reminder_scan()
    print_table()


if __name__ == "__main__":
    main()

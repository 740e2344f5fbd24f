"""Benchmark: importing customers with name normalisation and bulk dedupe.

The business once took nine working days to vet 2,940 new customers by hand (name
normalisation, revenue look-up, dedupe). This measures how long the import takes the CRM: the
preview (every row parsed, normalised and checked against the database and the file) and the
commit (the preview's cleaned rows read back, checked against the database again, written with
COPY on PostgreSQL or bulk_create elsewhere, audited), in rows per second, for 3,000 and
100,000 rows by default. `--profile N` prints cProfile's N costliest calls of each stage.

Run it against PostgreSQL (it creates and drops its own database, `bench_<your db>`, so your
data is untouched):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ltc_leads \\
        .venv/bin/python bench/bench_import.py            # 3,000 and 100,000 rows
    .venv/bin/python bench/bench_import.py --rows 3000 --format xlsx

What the file holds: company names in Chinese and English with legal-form noise ("有限公司",
"Co., Ltd.", full-width brackets), about 5% spellings of customers already in the database
and 2% repeats of earlier rows (both flagged as duplicates and skipped), unique credit codes.
The import runs in-process (no Celery), as a background job would.
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import csv
import os
import pstats
import random
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ltc.settings_test")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.files.uploadedfile import SimpleUploadedFile  # noqa: E402
from django.db import connection  # noqa: E402
from openpyxl import Workbook  # noqa: E402

from core.validators import credit_code_check_char  # noqa: E402

CODE_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
CITIES = ["广州", "深圳", "佛山", "东莞", "珠海", "南京", "苏州", "无锡"]
TRADES = ["科技", "电子", "通信", "能源", "医疗", "物流", "软件", "制造"]
FORMS = ["有限公司", "股份有限公司", "有限责任公司", "股份公司"]
RUN = ""  # "r2-" etc.: a repeated run's names and codes are its own


def credit_code(n: int, i: int) -> str:
    rng = random.Random(f"{RUN}{n}-{i}")  # each run's codes are its own
    first = "91" + "".join(rng.choice(CODE_CHARS) for _ in range(15))
    return first + credit_code_check_char(first)  # a valid code (GB 32100-2015)


def company(n: int, i: int) -> str:
    """The i-th company of the n-row run (each run's names are its own)."""
    tag = f"{RUN}{n}-{i}"
    if i % 3 == 0:
        return f"Acme Trading {tag} Co., Ltd."
    return f"{CITIES[i % len(CITIES)]}{TRADES[i % len(TRADES)]}{tag}号{FORMS[i % len(FORMS)]}"


def respell(name: str) -> str:
    """Another way to type the same company."""
    if "Acme" in name:
        return name.upper().replace("CO., LTD.", "LIMITED")
    return f"（{name.split('号')[0]}号） 有限公司"


def make_rows(n: int, existing: list[str]) -> list[list[str]]:
    rows = [["名称", "统一社会信用代码", "行业", "省份", "客户级别", "电话"]]
    for i in range(n):
        if existing and i % 20 == 7:
            name = respell(existing[i % len(existing)])
        elif i % 50 == 3 and (i - 1) % 20 != 7:
            name = respell(company(n, i - 1))  # the row before, typed differently
        else:
            name = company(n, i)
        code = credit_code(n, i) if i % 4 else ""
        rows.append([name, code, "制造业", "广东", "普通客户", f"0757-{80000000 + i}"])
    return rows


def make_lead_rows(n: int, existing: list[str]) -> list[list[str]]:
    """Leads without an owner (each is routed: the customer's account manager for the ~5 %
    naming an existing customer, else the distribution rule's round-robin), ~2 % repeating an
    earlier row's company and title (a duplicate, skipped)."""
    rows = [["标题", "公司", "联系人", "电话", "邮箱", "预计金额", "省份", "产品"]]
    for i in range(n):
        name = existing[i % len(existing)] if existing and i % 20 == 7 else company(n, i)
        number = i - 1 if i % 50 == 3 else i
        title = f"采购项目 {RUN}{n}-{number}"
        rows.append(
            [
                title,
                company(n, number) if number != i else name,
                f"联系人{i}",
                f"138{i % 10**8:08d}",
                f"buyer{i}@example.com",
                f"{(i % 97 + 1) * 10000}",
                "广东",
                "交换机",
            ]
        )
    return rows


def write_file(rows: list[list[str]], file_format: str, directory: Path) -> Path:
    path = directory / f"customers.{file_format}"
    if file_format == "xlsx":
        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet()
        for row in rows:
            sheet.append(row)
        workbook.save(path)
    else:
        with path.open("w", encoding="utf-8-sig", newline="") as handle:
            csv.writer(handle).writerows(rows)
    return path


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def seed_existing(count: int, n: int, unit) -> list[str]:
    """`count` customers already in the CRM (normalised as a save would), written in bulk."""
    from accounts.models import Customer
    from accounts.normalise import normalise_company_name
    from core.bulk import copy_insert

    names = [f"Existing {company(n, i)}" for i in range(count)]
    if connection.vendor == "postgresql":
        copy_insert(
            Customer,
            ("name", "normalised_name", "org_unit_id", "custom"),
            [(name, normalise_company_name(name), unit.pk, "{}") for name in names],
            ids=False,
        )
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE accounts_customer")  # as a day-old database would be
    else:
        Customer.objects.bulk_create(
            Customer(name=name, normalised_name=normalise_company_name(name), org_unit=unit)
            for name in names
        )
    return names


def seed_routing(unit, tag: str) -> None:
    """Five reps of the unit taking its leads in turn (a distribution rule), and the existing
    customers registered to the first of them (客户报备)."""
    from accounts.models import Customer, User
    from core.choices import Role
    from leads.models import DistributionRule

    reps = [
        User.objects.create(username=f"bench{tag}-rep{i}", role=Role.SALES_REP, org_unit=unit)
        for i in range(5)
    ]
    rule = DistributionRule.objects.create(
        name=f"Bench {tag}", org_unit=unit, team=unit, regions="广东"
    )
    rule.assignees.set(reps)
    Customer.objects.filter(org_unit=unit).update(owner=reps[0])


def run(
    n: int,
    file_format: str,
    workdir: Path,
    profile: int = 0,
    existing_n: int = 0,
    kind: str = "customers",
) -> None:
    from accounts.imports.services import import_commit, import_start
    from accounts.models import OrgUnit, User
    from core.choices import OrgUnitKind, Role

    tag = f"{RUN}{n}"
    unit = OrgUnit.objects.create(name=f"Bench {tag}", code=f"bench-{tag}", kind=OrgUnitKind.TEAM)
    user = User.objects.create(username=f"bench{tag}", role=Role.SALES_MANAGER, org_unit=unit)
    existing = seed_existing(existing_n or max(n // 20, 1), n, unit)
    if kind == "leads":
        seed_routing(unit, tag)
        rows = make_lead_rows(n, existing)
    else:
        rows = make_rows(n, existing)
    path = write_file(rows, file_format, workdir)
    upload = SimpleUploadedFile(path.name, path.read_bytes())

    preview_profile = cProfile.Profile() if profile else None
    commit_profile = cProfile.Profile() if profile else None
    started = time.perf_counter()
    with preview_profile or contextlib.nullcontext():
        job = import_start(by=user, kind=kind, upload=upload)
    previewed = time.perf_counter()
    with commit_profile or contextlib.nullcontext():
        job = import_commit(job=job, by=user, mode="valid")
    committed = time.perf_counter()

    preview_s, commit_s = previewed - started, committed - previewed
    print(
        f"{n:>7} {kind} ({file_format}, {path.stat().st_size / 1024 / 1024:.1f} MB): "
        f"preview {preview_s:6.2f}s = {n / preview_s:8.0f} rows/s | "
        f"commit {commit_s:6.2f}s = {n / commit_s:8.0f} rows/s | "
        f"total {preview_s + commit_s:6.2f}s | status {job.status}: "
        f"{job.rows_created} created, {job.rows_duplicate} duplicates, "
        f"{job.rows_error} errors | peak RSS {peak_rss_mb():.0f} MB | "
        f"vs {len(existing):,} existing"
    )
    for stage, stats in (("preview", preview_profile), ("commit", commit_profile)):
        if stats is not None:
            print(f"--- {stage} of {n} rows: the {profile} costliest functions (own time)")
            pstats.Stats(stats).sort_stats("tottime").print_stats(profile)


def floor(n: int) -> None:
    """The least the commit's write can cost here: `n` customers (the file's shape, unique
    codes) written by one `INSERT ... SELECT` with no Python at all, with every index of the
    table and again without its four GIN search indexes (dropped inside the transaction);
    both rolled back."""
    from django.db import transaction

    from accounts.models import OrgUnit, User

    unit, user = OrgUnit.objects.order_by("pk").first(), User.objects.order_by("pk").first()
    insert = f"""
        INSERT INTO accounts_customer (created_at, updated_at, version, name, normalised_name,
            credit_code, industry, region, tier, phone, email, website, address, external_id,
            owner_id, org_unit_id, custom, revenue_currency, state)
        SELECT now(), now(), 0, '广州科技floor' || g || '号有限公司', '广州科技floor' || g || '号',
            '9F' || lpad(g::text, 16, '0'), 'manufacturing', '广东', 'normal',
            '+86757' || (80000000 + g), '', '', '', '', {user.pk}, {unit.pk}, '{{}}', 'CNY',
            'approved'
        FROM generate_series(1, {n}) g"""
    gin = (
        "accounts_customer_name_trgm",
        "accounts_customer_credit_code_trgm",
        "accounts_customer_custom_trgm",
        "accounts_customer_custom_gin",
    )
    for label, before in (
        ("every index", ""),
        ("without the 4 GIN search indexes", f"DROP INDEX {', '.join(gin)}"),
    ):
        with transaction.atomic(), connection.cursor() as cursor:
            if before:
                cursor.execute(before)
            started = time.perf_counter()
            cursor.execute(insert)
            took = time.perf_counter() - started
            transaction.set_rollback(True)
        print(f"floor: {n} customers by one INSERT ... SELECT, {label}: {took:.2f}s")


STATEMENTS: dict[str, list] = {}


def _timed(execute, sql, params, many, context):
    """Sum each statement's time by its first 90 characters (--statements)."""
    started = time.perf_counter()
    try:
        return execute(sql, params, many, context)
    finally:
        total = STATEMENTS.setdefault(" ".join(str(sql).split())[:90], [0.0, 0])
        total[0] += time.perf_counter() - started
        total[1] += 1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[3000, 100_000])
    parser.add_argument("--format", choices=["csv", "xlsx"], default="csv")
    parser.add_argument(
        "--existing",
        type=int,
        default=0,
        metavar="N",
        help="customers already in the CRM to dedupe against (default: a twentieth of the rows)",
    )
    parser.add_argument("--runs", type=int, default=1, help="runs of each size (names their own)")
    parser.add_argument(
        "--commit",
        nargs="+",
        choices=["set", "rows"],
        default=["set"],
        help="how the commit runs (PostgreSQL): the whole file in SQL, or batch by batch; "
        "several alternate within each run, so they see the same machine",
    )
    parser.add_argument(
        "--keep-db", action="store_true", help="reuse the scratch database and keep it after"
    )
    parser.add_argument(
        "--statements", type=int, default=0, metavar="N", help="print the N slowest statements"
    )
    parser.add_argument(
        "--profile", type=int, default=0, metavar="N", help="print cProfile's N costliest calls"
    )
    parser.add_argument(
        "--kind",
        choices=["customers", "leads"],
        default="customers",
        help="what the file holds: customers, or leads (each routed and scored)",
    )
    parser.add_argument(
        "--floor",
        action="store_true",
        help="also time the customers' write alone, in SQL (with and without the GIN indexes)",
    )
    args = parser.parse_args()

    settings.IMPORT_INLINE_MAX_BYTES = 10**12  # run in this process, as the Celery job would
    settings.IMPORT_INLINE_MAX_ROWS = 10**12
    settings.IMPORT_MAX_BYTES = 10**12
    settings.DEBUG = False
    database = settings.DATABASES["default"]
    if connection.vendor != "sqlite":  # SQLite runs in memory
        database.setdefault("TEST", {})["NAME"] = f"bench_{database['NAME']}"
        # Durable, as production commits: the test settings turn synchronous_commit off.
        database.setdefault("OPTIONS", {})["options"] = "-c synchronous_commit=on"
    print(f"database: {connection.vendor}, created for this run and dropped after it")
    from accounts.imports.customers import CustomerImporter

    old_name = connection.creation.create_test_db(
        verbosity=0, autoclobber=True, keepdb=args.keep_db, serialize=False
    )  # (serializing a kept database's rows took minutes and gigabytes)
    if args.statements:
        connection.execute_wrappers.append(_timed)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            settings.MEDIA_ROOT = Path(tmp) / "media"
            global RUN
            for attempt in range(args.runs):
                # a kept database has the earlier invocations' names: each run's are its own
                stamp = f"k{int(time.time()) % 10**6}-" if args.keep_db else ""
                RUN = f"{stamp}r{attempt}-" if attempt or stamp else ""
                base = RUN
                for n in args.rows:
                    for turn, how in enumerate(args.commit):
                        RUN = f"{base}{how}{turn}-" if len(args.commit) > 1 else base
                        CustomerImporter.set_based_commit = how == "set"
                        print(f"commit: {'set-based' if how == 'set' else 'batch by batch'}")
                        run(n, args.format, Path(tmp), args.profile, args.existing, args.kind)
                    if args.floor:
                        floor(n)
    finally:
        if args.statements:
            for seconds, count, sql in sorted(
                ((t, c, q) for q, (t, c) in STATEMENTS.items()), reverse=True
            )[: args.statements]:
                print(f"{seconds:8.2f}s {count:6} x {sql}")
        if not args.keep_db:
            connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()

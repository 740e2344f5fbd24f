"""The app behind PgBouncer in transaction pooling (issue 24.6, ADR 36): Debian's pgbouncer,
started here on a free loopback port in front of the test's PostgreSQL, carries a sample of
the app (a page of a cursor-paginated list, a transition, an import commit, a streamed export),
with server-side cursors off (PGBOUNCER_TRANSACTION_POOLING) and no session-level state asked
of the server: a statement that would be lost or leak when the next transaction runs on
another server connection (SET without LOCAL, session advisory locks, LISTEN, PREPARE, a named
cursor) fails the test."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

import psycopg2
import pytest
from django.db import connection

from accounts.models import Customer
from tests.accounts.conftest import csv_bytes, upload
from tests.factories import CustomerFactory, LeadFactory
from tests.processes import free_loopback_port, stop_process

PGBOUNCER = shutil.which("pgbouncer") or "/usr/sbin/pgbouncer"

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="PgBouncer fronts PostgreSQL"),
    pytest.mark.skipif(not os.path.exists(PGBOUNCER), reason="needs Debian's pgbouncer"),
]

#: What a transaction-pooled connection must never ask of the server (the session is not its).
SESSION_STATE = re.compile(
    r"^\s*(SET\s+(?!LOCAL\b)|RESET\b|LISTEN\b|PREPARE\b|DECLARE\b)"
    r"|pg_advisory_lock|pg_try_advisory_lock|pg_advisory_lock_shared",
    re.IGNORECASE,
)


@contextmanager
def pgbouncer(tmp_path, database: dict):
    """pgbouncer in transaction mode on a free loopback port, in front of the test database's
    server; yields its port. Stopped and its files removed afterwards. PgBouncer refuses to run
    as root: under root (a container) it runs as `nobody`, so its files are world-readable."""
    port = free_loopback_port()
    home = Path(tempfile.mkdtemp(prefix="ltc-pgbouncer-"))
    home.chmod(0o755)
    users = home / "users.txt"
    users.write_text(f'"{database["USER"]}" ""\n')
    config = home / "pgbouncer.ini"
    config.write_text(
        "[databases]\n"
        f"* = host={database['HOST'] or '127.0.0.1'} port={database['PORT'] or 5432}\n"
        "[pgbouncer]\n"
        f"listen_addr = 127.0.0.1\nlisten_port = {port}\nunix_socket_dir =\n"
        "pool_mode = transaction\nauth_type = trust\n"
        f"auth_file = {users}\nadmin_users = {database['USER']}\n"
        "default_pool_size = 4\nmax_client_conn = 50\n"
        # The test settings pass synchronous_commit=off as a startup option; PgBouncer cannot
        # keep a per-client startup option across server connections, so it is dropped here.
        "ignore_startup_parameters = extra_float_digits,options\n"
    )
    for path in (users, config):
        path.chmod(0o644)
    drop = ["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups"]
    log = (tmp_path / "pgbouncer.log").open("w")
    process = subprocess.Popen(
        [*(drop if os.geteuid() == 0 else []), PGBOUNCER, str(config)],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                psycopg2.connect(
                    dbname="pgbouncer", user=database["USER"], host="127.0.0.1", port=port
                ).close()
                break
            except psycopg2.OperationalError as exc:
                if time.monotonic() > deadline or process.poll() is not None:
                    log.flush()
                    raise AssertionError((tmp_path / "pgbouncer.log").read_text()) from exc
                time.sleep(0.2)
        yield port
    finally:
        stop_process(process, timeout=10)
        log.close()
        shutil.rmtree(home, ignore_errors=True)


def transactions_through(port: int, user: str, database: str) -> int:
    """How many transactions PgBouncer has carried to `database` (its admin console)."""
    console = psycopg2.connect(dbname="pgbouncer", user=user, host="127.0.0.1", port=port)
    console.autocommit = True
    try:
        with console.cursor() as cursor:
            cursor.execute("SHOW STATS")
            columns = [c.name for c in cursor.description]
            for row in cursor.fetchall():
                stats = dict(zip(columns, row, strict=True))
                if stats["database"] == database:
                    return int(stats["total_xact_count"])
    finally:
        console.close()
    return 0


@contextmanager
def through(port: int):
    """Point Django's connection at PgBouncer with the flag's setting; record every statement
    and every cursor it opens; restore the direct connection afterwards."""
    saved = {k: connection.settings_dict.get(k) for k in ("HOST", "PORT")}
    saved_cursors = connection.settings_dict.get("DISABLE_SERVER_SIDE_CURSORS", False)
    statements: list[str] = []
    named: list[str] = []
    original = connection.create_cursor

    def create_cursor(name=None):
        if name:
            named.append(name)
        return original(name)

    def record(execute, sql, params, many, context):
        statements.append(sql)
        return execute(sql, params, many, context)

    connection.close()
    connection.settings_dict.update(
        HOST="127.0.0.1", PORT=str(port), DISABLE_SERVER_SIDE_CURSORS=True
    )
    connection.create_cursor = create_cursor
    try:
        with connection.execute_wrapper(record):
            yield statements, named
    finally:
        connection.close()
        del connection.create_cursor
        connection.settings_dict.update(saved, DISABLE_SERVER_SIDE_CURSORS=saved_cursors)


@pytest.mark.django_db(transaction=True)
def test_the_app_runs_behind_pgbouncer_in_transaction_mode(org, api, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    database = connection.settings_dict
    for i in range(5):
        CustomerFactory(owner=org.rep, name=f"池化客户{i}有限公司")
    lead = LeadFactory(owner=org.rep)
    with pgbouncer(tmp_path, database) as port:
        before = transactions_through(port, database["USER"], database["NAME"])
        with through(port) as (statements, named):
            client = api(org.rep)
            # A cursor-paginated list, page after page.
            seen, url = [], "/api/v1/customers/?page_size=2"
            for _ in range(10):
                page = client.get(url)
                assert page.status_code == 200, page.content
                seen += [row["id"] for row in page.json()["results"]]
                url = page.json()["next"]
                if not url:
                    break
            assert len(seen) == len(set(seen)) == Customer.objects.count() >= 5
            # A transition (a transaction with its audit row).
            moved = client.post(
                f"/api/v1/leads/{lead.pk}/transitions/start_verification/", {}, format="json"
            )
            assert moved.status_code == 200, moved.content
            assert moved.json()["state"] == "verifying"
            # An import, checked and committed.
            rows = [["名称", "统一社会信用代码", "行业", "省份", "客户级别", "客户经理", "邮箱"]]
            rows += [
                [f"池外客户{i}有限公司", "", "电信运营商", "广东", "大客户", "", ""]
                for i in range(3)
            ]
            job = client.post(
                "/api/v1/imports/",
                {"kind": "customers", "file": upload("customers.csv", csv_bytes(rows))},
                format="multipart",
            ).json()
            done = client.post(
                f"/api/v1/imports/{job['id']}/commit/", {"mode": "all"}, format="json"
            )
            assert done.json()["status"] == "done", done.content
            # An export that streams its rows after the view has returned.
            export = client.get("/api/v1/customers/export/?file_format=csv")
            assert export.status_code == 200
            body = b"".join(export.streaming_content).decode("utf-8-sig")
            assert "池外客户2有限公司" in body and "池化客户4有限公司" in body
        after = transactions_through(port, database["USER"], database["NAME"])
    assert statements, "nothing went through the wrapper"
    assert after - before >= 5, "the sample did not go through PgBouncer"
    assert named == [], "a server-side cursor (it lives in one server session)"
    leaking = [sql for sql in statements if SESSION_STATE.search(sql)]
    assert leaking == [], "session-level state behind a transaction pooler"

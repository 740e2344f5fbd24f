"""The read replica (issue 24.5, ADR 35) against a real streaming replica this module starts.

Two PostgreSQL clusters of the server's own version (Debian's `/usr/lib/postgresql/<n>/bin`)
in a temporary directory, on free loopback ports, run as `postgres` when the tests run as root:
a primary, given a copy of the test database (`pg_dump`), and a hot standby made from it with
`pg_basebackup -R` that streams its WAL. The primary is the module's own, not the shared server
the suite runs on: a base backup copies a whole cluster, and that one holds every other test and
benchmark database (gigabytes: minutes, not seconds), and it may not allow replication (its
pg_hba.conf has no `replication` line on this machine); a cluster of our own needs no change to
anyone's configuration. For the module, Django's `default` alias points at this primary and a
`replica` alias at the standby, as `DATABASE_REPLICA_URL` makes it; both are put back after.

The data is committed (the replica sees only commits): transactional tests, flushed on the
module's primary; the clusters are thrown away at the end. What the tests hold:
- a list, an export and a report read from the replica: with its replay paused (and a lag
  bound far away), a lead written on the primary is not in them, while its record page (not
  marked) and any read inside a transaction show it;
- a user who has just written reads on the primary for REPLICA_STICKY_SECONDS, others not;
- a replica lagging past REPLICA_MAX_LAG_SECONDS is not read;
- a replica that stops in the middle of the run: the next reads answer from the primary,
  complete, with a warning logged, never an error.
"""

from __future__ import annotations

import contextlib
import csv
import io
import logging
import os
import pwd
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import pytest
from django.db import connection, connections, transaction
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from core.choices import OrgUnitKind, Role
from core.replica import replica_reads
from leads.models import Lead
from tests.factories import LeadFactory, OrgUnitFactory, UserFactory
from tests.processes import free_loopback_port

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="a streaming replica: PostgreSQL only"
    ),
    # Committed, as the replica sees only commits; flushed after each test on the module's
    # primary. `replica` mirrors `default` in the tests (never flushed, never set up).
    pytest.mark.django_db(transaction=True, databases=["default", "replica"]),
]

STEP_TIMEOUT = 30  # seconds for any one cluster command


def _user_exists(name: str) -> bool:
    try:
        pwd.getpwnam(name)
    except KeyError:
        return False
    return True


def _bin_dir(major: int) -> Path | None:
    folder = Path(f"/usr/lib/postgresql/{major}/bin")
    return folder if (folder / "pg_basebackup").exists() else None


class Clusters:
    """The module's primary and standby, and the few things the tests do to them."""

    def __init__(self, bindir: Path, folder: Path, as_postgres: list[str]):
        self.bindir, self.folder, self.as_postgres = bindir, folder, as_postgres
        self.primary_port = free_loopback_port()
        self.replica_port = free_loopback_port()

    def run(self, *cmd: str, owner: bool = True, **kwargs) -> subprocess.CompletedProcess:
        prefix = self.as_postgres if owner else []
        return subprocess.run(
            [*prefix, str(self.bindir / cmd[0]), *cmd[1:]],
            check=True,
            capture_output=True,
            timeout=STEP_TIMEOUT,
            **kwargs,
        )

    def start(self, name: str, port: int) -> None:
        options = (
            f"-p {port} -c listen_addresses=127.0.0.1 -c unix_socket_directories={self.folder}"
            " -c fsync=off -c shared_buffers=16MB -c max_connections=40 -c wal_level=replica"
            " -c max_wal_senders=4 -c hot_standby=on -c wal_receiver_status_interval=1"
        )
        data = self.folder / name
        log = self.folder / f"{name}.log"
        self.run(
            "pg_ctl", "-D", str(data), "-l", str(log), "-o", options, "-w", "-t", "20", "start"
        )

    def stop(self, name: str) -> None:
        self.run("pg_ctl", "-D", str(self.folder / name), "-m", "fast", "-w", "-t", "20", "stop")

    def sql(self, port: int, query: str) -> str:
        out = self.run(
            "psql",
            "-X",
            "-At",
            "-h",
            "127.0.0.1",
            "-p",
            str(port),
            "-U",
            "postgres",
            "-d",
            "postgres",
            "-c",
            query,
            owner=False,
            text=True,
        )
        return out.stdout.strip()

    def pause(self) -> None:
        self.sql(self.replica_port, "SELECT pg_wal_replay_pause()")

    def resume(self) -> None:
        self.sql(self.replica_port, "SELECT pg_wal_replay_resume()")

    def wait_replayed(self) -> None:
        """Until the standby has replayed all the primary has written (at most 15 s)."""
        target = self.sql(self.primary_port, "SELECT pg_current_wal_insert_lsn()")
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            done = self.sql(self.replica_port, f"SELECT pg_last_wal_replay_lsn() >= '{target}'")
            if done == "t":
                return
            time.sleep(0.1)
        raise AssertionError("the replica did not catch up within 15 s")


@pytest.fixture(scope="module")
def clusters(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), connection.cursor() as cursor:
        cursor.execute("SHOW server_version_num")
        major = int(cursor.fetchone()[0]) // 10000
    bindir = _bin_dir(major)
    if bindir is None:
        pytest.skip(f"PostgreSQL {major}'s server programs are not installed (postgresql-{major})")
    as_postgres: list[str] = []
    if os.geteuid() == 0:  # PostgreSQL refuses to run as root
        if shutil.which("runuser") is None or not _user_exists("postgres"):
            pytest.skip("running as root without runuser or a postgres user to start PostgreSQL")
        as_postgres = ["runuser", "-u", "postgres", "--"]
    folder = Path(tempfile.mkdtemp(prefix="ltc-replica-"))
    if as_postgres:
        shutil.chown(folder, "postgres", "postgres")
    there = Clusters(bindir, folder, as_postgres)
    started: list[str] = []
    default = connections["default"]
    saved = dict(default.settings_dict)
    try:
        there.run("initdb", "-D", str(folder / "primary"), "-U", "postgres", "--auth=trust",
                  "-E", "UTF8", "--locale=C.UTF-8", "-N")  # fmt: skip
        there.start("primary", there.primary_port)
        started.append("primary")
        _copy_test_database(there, saved)
        there.run("pg_basebackup", "-h", "127.0.0.1", "-p", str(there.primary_port),
                  "-U", "postgres", "-D", str(folder / "replica"), "-R", "-X", "stream",
                  "-c", "fast", "--no-sync")  # fmt: skip
        there.start("replica", there.replica_port)
        started.append("replica")
        with django_db_blocker.unblock():
            _point_django_at(there, default)
            try:
                yield there
            finally:
                connections["replica"].close()
                del connections["replica"]
                connections.settings.pop("replica", None)
                default.close()
                default.settings_dict.clear()
                default.settings_dict.update(saved)
    finally:
        for name in reversed(started):
            with contextlib.suppress(subprocess.SubprocessError):  # a test stopped it already
                there.stop(name)
        shutil.rmtree(folder, ignore_errors=True)


def _copy_test_database(there: Clusters, original: dict) -> None:
    """The suite's test database (migrated, empty) copied into the module's primary."""
    name = original["NAME"]
    there.run("createdb", "-h", "127.0.0.1", "-p", str(there.primary_port), "-U", "postgres",
              "-T", "template0", "-E", "UTF8", name, owner=False)  # fmt: skip
    env = {**os.environ, "PGPASSWORD": original.get("PASSWORD") or ""}
    source = [
        str(there.bindir / "pg_dump"), "--no-owner", "--no-privileges",
        "-h", original.get("HOST") or "127.0.0.1", "-p", str(original.get("PORT") or 5432),
        "-U", original.get("USER") or "postgres", name,
    ]  # fmt: skip
    target = [
        str(there.bindir / "psql"), "-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1",
        "-p", str(there.primary_port), "-U", "postgres", "-d", name,
    ]  # fmt: skip
    dump = subprocess.run(source, check=True, capture_output=True, env=env, timeout=60)
    subprocess.run(target, input=dump.stdout, check=True, capture_output=True, timeout=60)


def _point_django_at(there: Clusters, default) -> None:
    """`default` on the module's primary, `replica` on its standby (as DATABASE_REPLICA_URL)."""
    default.close()
    default.settings_dict.update(
        HOST="127.0.0.1", PORT=str(there.primary_port), USER="postgres", PASSWORD=""
    )
    replica = {**default.settings_dict, "PORT": str(there.replica_port)}
    replica["OPTIONS"] = {**replica.get("OPTIONS", {}), "connect_timeout": 2}
    replica["TEST"] = {**replica.get("TEST", {}), "MIRROR": "default"}
    connections.settings["replica"] = replica


@pytest.fixture
def people(clusters):
    company = OrgUnitFactory(kind=OrgUnitKind.COMPANY)
    return (
        UserFactory(role=Role.ADMIN, org_unit=company, is_staff=True, is_superuser=True),
        UserFactory(role=Role.ADMIN, org_unit=company, is_staff=True, is_superuser=True),
    )


@pytest.fixture
def replica_settings(settings):
    settings.REPLICA_CHECK_SECONDS = 0  # ask the replica before every marked read
    settings.REPLICA_MAX_LAG_SECONDS = 3600
    settings.REPLICA_STICKY_SECONDS = 10
    return settings


def api_as(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def listed(user) -> set[str]:
    response = api_as(user).get("/api/v1/leads/", {"page_size": 100})
    assert response.status_code == 200, response.content
    return {row["title"] for row in response.json()["results"]}


def exported(client) -> set[str]:
    response = client.get("/leads/export/", {"file_format": "csv"})
    assert response.status_code == 200
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    return {row[1] for row in rows[1:]}  # id, title, ...


def test_lists_exports_and_reports_read_from_the_replica(
    clusters, people, replica_settings, client
):
    reader, _ = people
    LeadFactory(title="Replicated", owner=reader)
    clusters.wait_replayed()
    clusters.pause()
    try:
        late = LeadFactory(title="Written while the replica waits", owner=reader)
        # The lag bound is an hour: the paused replica may serve, and does.
        assert "Replicated" in listed(reader)
        assert late.title not in listed(reader)
        client.force_login(reader)
        assert exported(client) == {"Replicated"}
        with CaptureQueriesContext(connections["replica"]) as on_replica:
            funnel = api_as(reader).get("/api/v1/dashboards/funnel/")
        assert funnel.status_code == 200
        assert on_replica.captured_queries, "the funnel dashboard read nothing from the replica"
        # A record page is not marked: it reads on the primary, which has the new lead.
        record = api_as(reader).get(f"/api/v1/leads/{late.pk}/")
        assert record.status_code == 200
        assert record.json()["title"] == late.title
        # A job's reads marked with the context manager: the replica, but never inside a
        # transaction (nor, so, with select_for_update).
        with replica_reads(reader) as on_the_replica:
            assert on_the_replica
            assert not Lead.objects.filter(pk=late.pk).exists()
            with transaction.atomic():
                assert Lead.objects.filter(pk=late.pk).exists()
                assert Lead.objects.select_for_update().filter(pk=late.pk).exists()
    finally:
        clusters.resume()
    clusters.wait_replayed()
    assert late.title in listed(reader)


def test_a_write_then_a_read_stays_on_the_primary(clusters, people, replica_settings):
    writer, other = people
    replica_settings.REPLICA_STICKY_SECONDS = 1.5
    clusters.wait_replayed()
    clusters.pause()
    try:
        created = api_as(writer).post(
            "/api/v1/leads/", {"title": "Mine, just now", "company_name": "Kept Co"}, format="json"
        )
        assert created.status_code == 201, created.content
        assert "Mine, just now" in listed(writer)  # read-your-writes: on the primary
        assert "Mine, just now" not in listed(other)  # everyone else: the replica
        time.sleep(1.6)  # the window has passed: the writer is back on the replica
        assert "Mine, just now" not in listed(writer)
    finally:
        clusters.resume()
    clusters.wait_replayed()
    assert "Mine, just now" in listed(other)


def test_a_lagging_replica_is_not_read(clusters, people, replica_settings, caplog):
    reader, _ = people
    replica_settings.REPLICA_MAX_LAG_SECONDS = 1
    clusters.wait_replayed()
    listed(reader)  # caught up: in use
    clusters.pause()
    try:
        LeadFactory(title="Behind", owner=reader)
        time.sleep(1.2)  # the replica's last replayed transaction is now older than the bound
        with caplog.at_level(logging.WARNING, logger="ltc.replica"):
            assert "Behind" in listed(reader)  # from the primary
        assert any("behind" in message for message in caplog.messages), caplog.messages
    finally:
        clusters.resume()
    clusters.wait_replayed()


def test_the_replica_stopping_mid_run_falls_back_without_errors(
    clusters, people, replica_settings, caplog, client
):
    reader, _ = people
    LeadFactory(title="Before the stop", owner=reader)
    clusters.wait_replayed()
    with CaptureQueriesContext(connections["replica"]) as on_replica:
        assert "Before the stop" in listed(reader)
    assert on_replica.captured_queries  # the replica served, and its connection stays open
    # The last probe said "in use" and is believed for a minute: the next read finds out.
    replica_settings.REPLICA_CHECK_SECONDS = 60
    clusters.stop("replica")
    LeadFactory(title="After the stop", owner=reader)
    with caplog.at_level(logging.WARNING, logger="ltc.replica"):
        assert {"Before the stop", "After the stop"} <= listed(reader)
    assert any("failed during a read" in message for message in caplog.messages)
    client.force_login(reader)
    assert {"Before the stop", "After the stop"} <= exported(client)
    replica_settings.REPLICA_CHECK_SECONDS = 0  # asked again: down, so the primary
    assert {"Before the stop", "After the stop"} <= listed(reader)
    funnel = api_as(reader).get("/api/v1/dashboards/funnel/")
    assert funnel.status_code == 200

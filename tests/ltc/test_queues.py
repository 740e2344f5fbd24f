"""Work that does not wait behind other work (issue 24.6, ADR 36): every task goes to the queue
of its workload, and a long import does not hold up the e-mail a gate sends."""

from __future__ import annotations

import os
import subprocess
import time
import uuid

import psycopg2
import pytest
from django.conf import settings
from django.db import connection

from accounts.choices import ImportStatus
from accounts.models import ImportJob
from accounts.services.customers import CUSTOMER_INTAKE
from core.locks import WHOLE
from core.models import Notification
from ltc import celery_app
from ltc.queues import DEFAULT_QUEUE, QUEUES
from tests.accounts.conftest import csv_bytes, upload
from tests.opportunities.conftest import open_gate, opportunity  # noqa: F401 (a fixture)
from tests.workers import start_celery_worker, stop_worker


def queue_of(name: str) -> str:
    return celery_app.amqp.router.route({}, name)["queue"].name


def project_tasks() -> list[str]:
    celery_app.loader.import_default_modules()  # as a worker does at start
    return sorted(name for name in celery_app.tasks if not name.startswith(("celery.", "tests.")))


def test_every_task_has_a_queue_of_its_workload_and_none_falls_to_the_default():
    tasks = project_tasks()
    assert "accounts.tasks.import_commit_task" in tasks  # the discovery found the apps' tasks
    unrouted = [name for name in tasks if queue_of(name) not in QUEUES]
    assert unrouted == [], f"route these in ltc/queues.py (they would go to {DEFAULT_QUEUE!r})"


@pytest.mark.parametrize(
    ("task", "queue"),
    [
        ("ltc.tasks.send_notification_emails", "interactive"),
        ("messaging.tasks.send_chat_deliveries", "interactive"),
        ("accounts.tasks.import_commit_task", "imports"),
        ("accounts.tasks.import_validate_task", "imports"),
        ("integrations.tasks.deliver_webhook", "webhooks"),
        ("ltc.tasks.flush_outbox", "webhooks"),
        ("opportunities.tasks.send_bid_reminders", "reminders"),
        ("keyaccounts.tasks.refresh_funnel_rollup", "rollups"),
        ("receivables.tasks.refresh_ageing_rollup", "rollups"),
        ("insights.tasks.gate_flow_refresh", "rollups"),
        # Tasks added later land by their names: the win-model training, a lead import.
        ("insights.tasks.win_model_train", "training"),
        ("leads.tasks.import_commit_task", "imports"),
        ("receivables.tasks.refresh_dirty_rollups", "rollups"),
    ],
)
def test_a_task_goes_to_the_queue_of_its_workload(task, queue):
    assert queue_of(task) == queue


def test_an_unknown_task_falls_to_the_default_queue_the_rollups_pool_drains():
    assert queue_of("somewhere.else.thing") == DEFAULT_QUEUE == settings.CELERY_TASK_DEFAULT_QUEUE


# --- A real import worker and a real interactive worker on Redis ---------------------------------


def _use_prefix(prefix: str | None) -> None:
    options = dict(celery_app.conf.broker_transport_options)
    if prefix is None:
        options.pop("global_keyprefix", None)
    else:
        options["global_keyprefix"] = prefix
    celery_app.conf.broker_transport_options = options
    celery_app._pool = None  # forget pooled connections made with the other options
    celery_app.amqp._producer_pool = None


def wait_for(check, what: str, seconds: float = 90):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.3)
    raise AssertionError(f"waited {seconds} s for {what}")


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    not settings.REDIS_URL or connection.vendor != "postgresql",
    reason="real workers on Redis sharing the test's PostgreSQL database",
)
def test_a_long_import_does_not_delay_a_gates_e_mail(org, api, opportunity, settings):  # noqa: F811
    settings.IMPORT_INLINE_MAX_ROWS = 0  # the commit goes to a worker, as a large one does
    prefix = f"ltc-test-{uuid.uuid4().hex[:8]}:"
    database = settings.DATABASES["default"]
    database_url = os.environ["DATABASE_URL"].rsplit("/", 1)[0] + "/" + database["NAME"]
    os.environ["LTC_TEST_BROKER_PREFIX"] = prefix
    workers = [
        start_celery_worker(
            queue,
            database_url=database_url,
            settings_module="tests.ltc.queue_worker_settings",
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for queue in ("imports", "interactive")
    ]
    saved_eager = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = False
    _use_prefix(prefix)
    # Another session holds the lock every customer import commit takes first: the import
    # runs, and waits, for as long as this test says.
    holder = psycopg2.connect(
        dbname=database["NAME"],
        user=database["USER"],
        host=database["HOST"],
        port=database["PORT"] or 5432,
        password=database["PASSWORD"] or None,
    )
    try:
        with holder.cursor() as cursor:
            cursor.execute(
                "SELECT pg_advisory_xact_lock(hashtext(%s), hashtext(%s))",
                [CUSTOMER_INTAKE, WHOLE],
            )
        client = api(org.rep)
        rows = [["名称", "统一社会信用代码", "行业", "省份", "客户级别", "客户经理", "邮箱"]]
        rows += [[f"客户{i}有限公司", "", "电信运营商", "广东", "大客户", "", ""] for i in range(3)]
        started = client.post(
            "/api/v1/imports/",
            {"kind": "customers", "file": upload("customers.csv", csv_bytes(rows))},
            format="multipart",
        )
        assert started.status_code == 201, started.json()
        job_id = started.json()["id"]
        assert started.json()["status"] == "validated"
        committed = client.post(f"/api/v1/imports/{job_id}/commit/", {"mode": "all"}, format="json")
        assert committed.status_code in (200, 202), committed.json()
        assert ImportJob.objects.get(pk=job_id).status == ImportStatus.IMPORTING

        def import_waits_on_the_lock():
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted"
                    " AND database = (SELECT oid FROM pg_database WHERE datname = %s)",
                    [database["NAME"]],
                )
                return cursor.fetchone()[0]

        wait_for(import_waits_on_the_lock, "the import worker to start the commit")

        # Now a gate opens: its assessors are e-mailed (an urgent kind) from the other queue.
        opened = open_gate(api, org.rep, opportunity)
        assert opened.status_code == 201, opened.json()
        mails = Notification.objects.filter(kind="gate.assess")
        assert mails.exists()
        wait_for(
            lambda: not mails.filter(emailed_at__isnull=True).exists(),
            "the gate's e-mails while the import runs",
        )
        # ... and the import is still running: the e-mail did not wait for it.
        assert ImportJob.objects.get(pk=job_id).status == ImportStatus.IMPORTING
        assert import_waits_on_the_lock()

        holder.rollback()  # the import may go on
        wait_for(
            lambda: ImportJob.objects.get(pk=job_id).status == ImportStatus.DONE,
            "the import to finish once the lock is free",
        )
    finally:
        holder.close()
        celery_app.conf.task_always_eager = saved_eager
        _use_prefix(None)
        os.environ.pop("LTC_TEST_BROKER_PREFIX", None)
        for worker in workers:
            stop_worker(worker)


def test_a_worker_without_queues_named_drains_every_queue():
    declared = {queue.name for queue in celery_app.conf.task_queues}
    assert declared == {*QUEUES, DEFAULT_QUEUE}

"""The daily scan through a real Celery worker on Redis: run again, and the same message
delivered again (what the broker does when a worker dies before acknowledging), send nothing
twice. Runs when REDIS_URL and PostgreSQL are configured, as in CI."""

import datetime as dt
import time
import uuid

import pytest
from celery.result import EagerResult
from django.conf import settings
from django.db import connection

from core.models import Notification
from ltc import celery_app
from receivables.models import MilestoneReminder, ReminderScan
from receivables.tasks import scan_payment_milestones
from tests.ltc.test_celery_worker import worker  # noqa: F401  (the fixture: a worker process)

from .conftest import TODAY, pct_plan

pytestmark = [
    pytest.mark.celery_worker,
    pytest.mark.skipif(not settings.REDIS_URL, reason="needs REDIS_URL (a real broker)"),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="the worker shares the database with the test: PostgreSQL",
    ),
]


def wait_for_runs(count: int, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if ReminderScan.objects.filter(finished_at__isnull=False).count() >= count:
            return
        time.sleep(0.5)
    raise AssertionError(f"the worker did not finish {count} scan(s)")


@pytest.mark.django_db(transaction=True)
def test_a_rerun_or_redelivered_scan_sends_nothing_twice(
    worker,  # noqa: F811
    make_contract,
    org,
    monkeypatch,
):
    make_contract(amount="1000.00", plan=pct_plan(("down_payment", 100, "on_signing", 10)))
    make_contract(amount="500.00", plan=pct_plan(("down_payment", 100, "on_signing", 3)))
    due_day = (TODAY() + dt.timedelta(days=10)).isoformat()
    monkeypatch.setitem(celery_app.conf, "task_always_eager", False)

    first_id = str(uuid.uuid4())
    first = scan_payment_milestones.apply_async(
        kwargs={"today": due_day}, queue=worker, task_id=first_id
    )
    assert not isinstance(first, EagerResult), "the task must travel through the broker"
    wait_for_runs(1)
    assert MilestoneReminder.objects.count() == 2  # due for one, 7 days overdue for the other
    notes = Notification.objects.filter(kind__startswith="payment_reminder.").count()
    assert notes == 3  # rep; rep and manager

    scan_payment_milestones.apply_async(kwargs={"today": due_day}, queue=worker)  # beat again
    scan_payment_milestones.apply_async(  # the broker delivers the first message once more
        kwargs={"today": due_day}, queue=worker, task_id=first_id
    )
    wait_for_runs(3)
    assert MilestoneReminder.objects.count() == 2
    assert Notification.objects.filter(kind__startswith="payment_reminder.").count() == notes
    assert list(ReminderScan.objects.order_by("pk").values_list("reminders", flat=True)) == [
        2,
        0,
        0,
    ]

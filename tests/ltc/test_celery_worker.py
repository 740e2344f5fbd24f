"""A real Celery worker consumes a task through Redis (runs when REDIS_URL is set, as in CI)."""

import os
import subprocess
import time
import uuid

import pytest
from celery.result import EagerResult
from django.conf import settings
from django.db import connection

from core.models import Notification
from core.tasks import send_notification_emails
from ltc import celery_app
from tests.factories import UserFactory
from tests.workers import start_celery_worker

pytestmark = [
    pytest.mark.celery_worker,
    pytest.mark.skipif(not settings.REDIS_URL, reason="needs REDIS_URL (a real broker)"),
]


@pytest.fixture
def worker():
    """A worker process on a private queue, using this test run's database."""
    queue = f"test-{uuid.uuid4().hex[:8]}"
    db = settings.DATABASES["default"]
    database_url = os.environ.get("DATABASE_URL", "")
    if connection.vendor == "postgresql":
        database_url = database_url.rsplit("/", 1)[0] + "/" + db["NAME"]
    else:
        database_url = f"sqlite:///{db['NAME']}"
    process = start_celery_worker(
        queue,
        database_url=database_url,
        settings_module="ltc.settings_test",
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        yield queue
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="the worker shares the database with the test: PostgreSQL",
)
def test_a_real_worker_consumes_a_task_through_redis(worker, monkeypatch):
    user = UserFactory(email="rep@example.com")
    note = Notification.objects.create(recipient=user, kind="test", title="Hello")
    monkeypatch.setitem(celery_app.conf, "task_always_eager", False)
    result = send_notification_emails.apply_async(args=[[note.pk]], queue=worker)
    assert not isinstance(result, EagerResult), "the task must travel through the broker"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        note.refresh_from_db()
        if note.emailed_at is not None:
            break
        time.sleep(0.5)
    assert note.emailed_at is not None, "the worker did not run the task"

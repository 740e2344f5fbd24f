"""Drill: a worker killed mid-task (SIGKILL, as the OOM killer or a lost host does) loses
nothing and doubles nothing. Runs when REDIS_URL is set and the database is PostgreSQL, as in
CI (the worker processes share the test database).

Tasks are acknowledged late (`task_acks_late`): the broker keeps a message until the task
finished. A worker killed outright never acknowledges, so Redis hands the message to the
next worker once the visibility timeout has passed (an hour in production, 2 s here:
tests/faults/worker_settings.py); a pool child killed under a living worker is requeued at
once (`task_reject_on_worker_lost`). The task itself must then be safe to run again: a
webhook delivery records its outcome only when an attempt completes and skips a delivery
that is no longer pending, so it completes exactly once; the receiver may see the cut
attempt's request too and recognises it by the same `X-LTC-Delivery` id.
"""

from __future__ import annotations

import json
import signal
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.conf import settings
from django.db import connection

from integrations.models import (
    DeliveryState,
    WebhookDelivery,
    WebhookEvent,
    WebhookSubscription,
)
from integrations.tasks import deliver_webhook
from ltc import celery_app
from tests.workers import start_drill_worker as start_worker
from tests.workers import stop_worker as stop

pytestmark = [
    pytest.mark.celery_worker,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not settings.REDIS_URL, reason="needs REDIS_URL (a real broker)"),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="the worker shares the database with the test: PostgreSQL",
    ),
]


class HoldingReceiver:
    """An HTTP endpoint that holds the first request open (the task is then mid-way) until
    released, and answers every later one with 200 at once."""

    def __init__(self):
        self.deliveries: list[str] = []
        self.arrived, self.release = threading.Event(), threading.Event()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                self.rfile.read(int(self.headers["Content-Length"]))
                receiver.deliveries.append(self.headers["X-LTC-Delivery"])
                if len(receiver.deliveries) == 1:
                    receiver.arrived.set()
                    receiver.release.wait(30)
                try:
                    self.send_response(200)
                    self.end_headers()
                except OSError:  # the sender died meanwhile
                    pass

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hooks"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.release.set()
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    made = HoldingReceiver()
    yield made
    made.close()


def test_a_worker_killed_mid_task_completes_the_task_once_after_restart(org, receiver, monkeypatch):
    subscription = WebhookSubscription.objects.create(
        name="ERP", url=receiver.url, events=["receipt.recorded"], user=org.admin, secret="s" * 64
    )
    event = WebhookEvent.objects.create(
        name="receipt.recorded", payload={"id": str(uuid.uuid4()), "event": "receipt.recorded"}
    )
    delivery = WebhookDelivery.objects.create(event=event, subscription=subscription)
    queue = f"drill-{uuid.uuid4().hex[:8]}"
    monkeypatch.setitem(celery_app.conf, "task_always_eager", False)
    deliver_webhook.apply_async(args=[delivery.pk], queue=queue)

    first = start_worker(queue)
    second = None
    try:
        assert receiver.arrived.wait(40), "the first worker never started the task"
        first.send_signal(signal.SIGKILL)  # mid-task: the receiver still holds the request
        first.wait(timeout=10)
        receiver.release.set()
        delivery.refresh_from_db()
        assert delivery.state == DeliveryState.PENDING and delivery.attempts == 0

        second = start_worker(queue)
        deadline = time.monotonic() + 40
        while time.monotonic() < deadline:
            delivery.refresh_from_db()
            if delivery.state != DeliveryState.PENDING:
                break
            time.sleep(0.5)
        assert delivery.state == DeliveryState.DELIVERED, "the task was lost with the worker"
        time.sleep(3)  # past the visibility timeout: a doubled message would show by now
    finally:
        stop(first)
        if second is not None:
            stop(second)

    delivery.refresh_from_db()
    assert delivery.attempts == 1 and len(delivery.log) == 1, json.dumps(delivery.log)
    assert delivery.log[0]["status"] == 200
    assert WebhookDelivery.objects.count() == 1
    assert receiver.deliveries == [str(delivery.pk)] * 2, "the cut attempt, then the one"

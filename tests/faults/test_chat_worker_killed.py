"""Drill: a worker killed while a chat message is on its way (ADR 24). The delivery was claimed
before the request left, so the message the broker hands out again sends nothing twice: the
vendor saw one request. The row stays "sending" until its lease ends, then is marked failed
("interrupted", the vendor may have shown it) for an administrator to retry; nothing is lost
silently. Needs Redis and PostgreSQL (the workers share the test database)."""

from __future__ import annotations

import datetime as dt
import signal
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from core.models import Notification
from ltc import celery_app
from messaging.models import ChatChannel, ChatDelivery
from messaging.sending import deliveries_send_due
from messaging.tasks import send_chat_deliveries
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


class HoldingRobot:
    """A WeCom robot endpoint holding the first message open until released."""

    def __init__(self):
        self.bodies: list[bytes] = []
        self.arrived, self.release = threading.Event(), threading.Event()
        robot = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                robot.bodies.append(self.rfile.read(int(self.headers["Content-Length"])))
                if len(robot.bodies) == 1:
                    robot.arrived.set()
                    robot.release.wait(30)
                try:
                    data = b'{"errcode": 0, "errmsg": "ok"}'
                    self.send_response(200)
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except OSError:  # the sender died meanwhile
                    pass

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/cgi-bin/webhook/send?key=k"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.release.set()
        self.server.shutdown()
        self.server.server_close()


def wait_for(predicate, seconds: float = 40) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.3)
    return False


def delivery_for(user, channel) -> ChatDelivery:
    note = Notification.objects.create(recipient=user, kind="activity.overdue", title="Call")
    return ChatDelivery.objects.create(notification=note, channel=channel)


def test_a_worker_killed_mid_send_never_sends_the_chat_message_twice(org, monkeypatch):
    robot = HoldingRobot()
    channel = ChatChannel.objects.create(kind="wecom_robot", name="Sales", endpoint=robot.url)
    cut, later = delivery_for(org.manager, channel), delivery_for(org.manager, channel)
    queue = f"chat-drill-{uuid.uuid4().hex[:8]}"
    monkeypatch.setitem(celery_app.conf, "task_always_eager", False)
    send_chat_deliveries.apply_async(args=[[cut.pk]], queue=queue)

    first, second = start_worker(queue), None
    try:
        assert robot.arrived.wait(40), "the first worker never started sending"
        first.send_signal(signal.SIGKILL)  # mid-send: the robot still holds the request
        first.wait(timeout=10)
        robot.release.set()
        cut.refresh_from_db()
        assert (cut.status, cut.attempts) == ("sending", 1)

        second = start_worker(queue)  # gets the cut message again, after the visibility timeout
        send_chat_deliveries.apply_async(args=[[later.pk]], queue=queue)
        assert wait_for(lambda: ChatDelivery.objects.get(pk=later.pk).status == "sent")
        time.sleep(3)  # past the visibility timeout: a second send would show by now
    finally:
        stop(first)
        if second is not None:
            stop(second)
        robot.close()

    assert len(robot.bodies) == 2, "the cut message once, the later one once"
    cut.refresh_from_db()
    assert (cut.status, cut.attempts) == ("sending", 1)
    deliveries_send_due(now=timezone.now() + dt.timedelta(hours=1))  # the lease has ended
    cut.refresh_from_db()
    assert (cut.status, cut.errcode) == ("failed", "interrupted")
    assert len(robot.bodies) == 2

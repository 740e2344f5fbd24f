"""A database restart is survived: the next request and the next task work again.

The shared PostgreSQL server is not restarted (other engineers use it). What an application
sees of a restart is that every connection it holds is cut: the server ends each backend, and
the client finds out on its next query. `pg_terminate_backend` on every backend of the test
database does exactly that to the app (the server sends the same "terminating connection due
to administrator command" a shutdown sends), without touching anyone else's database; a new
connection then succeeds, as it would once the restarted server accepts connections.

Django keeps connections for `CONN_MAX_AGE` seconds and, with `CONN_HEALTH_CHECKS`, checks a
kept connection before the first query of each request (and each Celery task: the worker
calls the same check before every task), reconnecting when it is dead. The requests here go
through Django's real WSGI handler (the test client switches that per-request check off), and
the task through the worker's own pre-task hook.
"""

from __future__ import annotations

import psycopg2
import pytest
from celery.fixups.django import DjangoWorkerFixup
from django.conf import settings
from django.core.handlers.wsgi import WSGIHandler
from django.db import connection
from django.test import RequestFactory

from core.models import Notification
from core.tasks import send_notification_emails

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="cuts PostgreSQL connections"),
]


def cut_every_connection() -> int:
    """End every backend of the test database, from a separate administrative connection."""
    db = settings.DATABASES["default"]
    admin = psycopg2.connect(
        host=db["HOST"], port=db["PORT"] or 5432, user=db["USER"], dbname="postgres"
    )
    try:
        admin.autocommit = True
        with admin.cursor() as cursor:
            cursor.execute(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = %s",
                [db["NAME"]],
            )
            (count,) = cursor.fetchone()
    finally:
        admin.close()
    return count


def get(path: str, **extra) -> tuple[int, bytes]:
    """One request through Django's production WSGI handler."""
    environ = RequestFactory().get(path, **extra).environ
    status = []
    body = b"".join(WSGIHandler()(environ, lambda s, h, *a: status.append(s)))
    return int(status[0].split()[0]), body


def test_requests_and_tasks_work_again_after_every_connection_is_cut(org, client):
    assert settings.DATABASES["default"]["CONN_HEALTH_CHECKS"] is True
    assert settings.DATABASES["default"]["CONN_MAX_AGE"] > 0, "kept connections are the risk"
    client.force_login(org.rep)
    cookie = f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"

    assert get("/healthz")[0] == 200
    assert connection.connection is not None, "the request's connection is kept open"
    assert cut_every_connection() >= 1

    status, body = get("/healthz")
    assert status == 200, body
    status, body = get("/leads/", HTTP_COOKIE=cookie)
    assert status == 200, body

    # A task after the cut: before each task the worker drops connections it cannot use
    # (Celery's Django fix-up, on task_prerun), then the task reads and writes.
    note = Notification.objects.create(recipient=org.rep, kind="test", title="After the cut")
    assert cut_every_connection() >= 1
    DjangoWorkerFixup(send_notification_emails.app).close_database()
    assert send_notification_emails.apply(args=[[note.pk]]).get() == 1
    note.refresh_from_db()
    assert note.emailed_at is not None

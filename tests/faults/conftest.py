"""Fixtures of the fault drills: the Celery app pointed at another broker for one test."""

from __future__ import annotations

import pytest
from django.conf import settings

from ltc import celery_app
from tests.api.test_webhooks import receiver  # noqa: F401  (a real HTTP endpoint on localhost)
from tests.receivables.conftest import make_contract  # noqa: F401

# Nothing listens on port 1: connecting is refused at once, as when Redis is down. The real
# Redis the other engineers share is never stopped.
DEAD_BROKER = "redis://127.0.0.1:1/0"


def _use(url: str, eager: bool) -> None:
    celery_app.conf.broker_url = url
    celery_app.conf.task_always_eager = eager
    # Forget the pooled connections to the previous broker (what Celery does after a fork).
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


@pytest.fixture
def broker():
    """`broker.down()`: publishing goes to a dead port; `broker.back()`: the real Redis of this
    run (REDIS_URL, tasks travel through it) or, with none configured, in-process tasks."""
    saved = (celery_app.conf.broker_url, celery_app.conf.task_always_eager)

    class Broker:
        real = bool(settings.REDIS_URL)

        @staticmethod
        def down() -> None:
            _use(DEAD_BROKER, eager=False)

        @staticmethod
        def back() -> None:
            if settings.REDIS_URL:
                _use(settings.REDIS_URL, eager=False)
            else:
                _use("memory://", eager=True)

    yield Broker
    _use(*saved)

"""Background work is scheduled here, always after the transaction that asked for it commits.

A job is never sent for a change that rolled back, and a broker that is down does not fail
the user's request: the error is logged and the periodic jobs pick the work up again.
"""

from __future__ import annotations

import logging

from django.db import transaction

logger = logging.getLogger(__name__)


def enqueue(task, *args, **kwargs) -> None:
    """Run a Celery task once the current transaction commits (at once outside one)."""

    def send() -> None:
        try:
            task.apply_async(args=args, kwargs=kwargs)
        except Exception:  # broker unreachable: the request must still succeed
            logger.exception("could not enqueue %s", getattr(task, "name", task))

    transaction.on_commit(send)

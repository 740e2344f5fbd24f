"""Background work is scheduled here, always after the transaction that asked for it commits,
and never lost when the broker is down (a transactional outbox, ADR 10).

`enqueue` writes an `OutboxMessage` row in the caller's transaction, so the task exists exactly
when the change does. After commit it publishes the task (one quick attempt, no retry loop:
the user's request must not wait for a dead broker) and marks the row sent. When the broker
is unreachable the row stays unsent and the request still succeeds; `flush_outbox` (a beat
task every minute and the `flush_outbox` command) publishes what is left once the broker is
back. Rows are claimed with `SELECT ... FOR UPDATE SKIP LOCKED` and marked sent in the same
transaction, so two flushers never send the same row; a process dying between publishing and
committing re-sends it, which the tasks tolerate (each claims its work: notifications by
`emailed_at`, webhook deliveries by state, reminders by their exactly-once keys).

With no broker configured (the embedded demo, the tests) tasks run in-process after commit,
as they always did, without an outbox row.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid

from django.db import transaction
from django.utils import timezone

logger = logging.getLogger(__name__)

# Sent rows are kept this long for inspection, then deleted by the flush.
KEEP_SENT = dt.timedelta(days=7)


def _app():
    """The Celery app the process runs (the project's, set as current when Django loads it);
    the core asks Celery for it rather than importing the project (ADR 1)."""
    from celery import current_app

    return current_app


def _eager() -> bool:
    return bool(_app().conf.task_always_eager)


def _task(name: str):
    app = _app()
    if name not in app.tasks:
        app.loader.import_default_modules()  # autodiscovery, as a worker does at start
    return app.tasks[name]


def _publish(message) -> None:
    """Send one outbox row to the broker (or run it in-process in eager mode: a task failing
    there has been delivered, its error is logged). Raises only when it could not be sent."""
    task = _task(message.task_name)
    options = {"args": message.args, "kwargs": message.kwargs, "task_id": message.task_id}
    if _eager():
        try:
            with transaction.atomic():
                task.apply_async(**options)
        except Exception:
            logger.exception("task %s failed", message.task_name)
        return
    task.apply_async(**options, retry=False)  # one attempt; the outbox is the retry


def _broker_down(exc: Exception) -> bool:
    from kombu.exceptions import OperationalError

    return isinstance(exc, OperationalError | OSError)


def enqueue(task, *args, **kwargs) -> None:
    """Run a Celery task once the current transaction commits (at once outside one).

    `task` is the task or its registered name: a module whose task calls back into it names
    the task ("integrations.tasks.deliver_webhook") instead of importing it, so the two do not
    import each other. An unknown name fails here, in the caller's transaction.
    """
    if isinstance(task, str):
        task = _task(task)
    if _eager():

        def run() -> None:
            try:
                task.apply_async(args=args, kwargs=kwargs)
            except Exception:  # an in-process task failing must not fail the request
                logger.exception("task %s failed", getattr(task, "name", task))

        transaction.on_commit(run)
        return

    from core.models import OutboxMessage

    message = OutboxMessage.objects.create(
        task_name=task.name, task_id=str(uuid.uuid4()), args=list(args), kwargs=kwargs
    )
    transaction.on_commit(lambda: _send_one(message.pk))


def _send_one(pk: int) -> None:
    """After commit: publish one row unless a flusher holds or already sent it."""
    from core.models import OutboxMessage

    try:
        with transaction.atomic():
            message = (
                OutboxMessage.objects.select_for_update(skip_locked=True)
                .filter(pk=pk, sent_at__isnull=True)
                .first()
            )
            if message is None:
                return
            try:
                _publish(message)
            except Exception as exc:  # broker unreachable: the flush sends it later
                logger.warning("outbox: could not publish %s: %s", message.task_name, exc)
                OutboxMessage.objects.filter(pk=pk).update(
                    attempts=message.attempts + 1, last_error=f"{type(exc).__name__}: {exc}"[:1000]
                )
                return
            OutboxMessage.objects.filter(pk=pk).update(
                sent_at=timezone.now(), attempts=message.attempts + 1, last_error=""
            )
    except Exception:  # the database itself failing here must not fail the request either
        logger.exception("outbox: could not send message %s", pk)


def flush_outbox(*, batch: int = 200) -> int:
    """Publish the unsent outbox rows, oldest first; returns how many were sent. Stops at the
    first publish error (the broker is still down) and leaves the rest for the next run."""
    from core.models import OutboxMessage

    sent, last = 0, 0
    while True:
        with transaction.atomic():
            messages = list(
                OutboxMessage.objects.select_for_update(skip_locked=True)
                .filter(sent_at__isnull=True, pk__gt=last)
                .order_by("pk")[:batch]
            )
            if not messages:
                break
            last = messages[-1].pk
            done, stop = [], False
            for message in messages:
                try:
                    _publish(message)
                except Exception as exc:  # kept unsent, with the error, for the next run
                    logger.warning("outbox: could not publish %s: %s", message.task_name, exc)
                    OutboxMessage.objects.filter(pk=message.pk).update(
                        attempts=message.attempts + 1,
                        last_error=f"{type(exc).__name__}: {exc}"[:1000],
                    )
                    if _broker_down(exc):
                        stop = True
                        break
                    continue
                done.append(message.pk)
            if done:
                OutboxMessage.objects.filter(pk__in=done).update(
                    sent_at=timezone.now(), last_error=""
                )
                sent += len(done)
        if stop or len(messages) < batch:
            break
    OutboxMessage.objects.filter(sent_at__lt=timezone.now() - KEEP_SENT).delete()
    return sent

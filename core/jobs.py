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

import contextlib
import datetime as dt
import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

logger = logging.getLogger(__name__)

_nothing = contextlib.nullcontext

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


# --- Operations on demand: the job registry and its runs (ADR 15) ------------------------------
#
# Every periodic job is registered here by the app that owns it (from its `AppConfig.ready`,
# naming its Celery task by name, so the core imports no app). An administrator can then run
# any of them at once: `manage.py run_job <name>` or `POST /api/v1/jobs/<name>/run/`. Each run
# is a `JobRun` row, audited when asked for and when finished; a job has at most one queued or
# running run (a partial unique constraint), so asking again meanwhile returns that run.


@dataclass(frozen=True)
class Job:
    """A job an administrator may run on demand: its Celery task (by name), a label and a
    description for people, who else may ask for it, and whether the task is told who asked."""

    name: str
    task: str
    label: str
    description: str
    may_run: Callable[[Any], bool] | None = None
    pass_by: bool = False

    def may(self, user) -> bool:
        """Administrators run every job; a job may let more people ask (its own rule)."""
        from .policy import is_admin

        if user is None or not user.is_authenticated or not user.is_active:
            return False
        return is_admin(user) or bool(self.may_run and self.may_run(user))


_JOBS: dict[str, Job] = {}

#: A run still queued or running this long after it was asked for is taken as lost (its
#: worker died) and no longer blocks a new run of the job.
STALE_AFTER = dt.timedelta(hours=6)


def register_job(
    *,
    name: str,
    task: str,
    label: str,
    description: str,
    may_run: Callable[[Any], bool] | None = None,
    pass_by: bool = False,
) -> Job:
    """Offer the Celery task named `task` as the on-demand job `name` (idempotent)."""
    job = Job(name, task, label, description, may_run, pass_by)
    _JOBS[name] = job
    return job


def job_registry() -> list[Job]:
    """Every registered job, by name."""
    return [_JOBS[name] for name in sorted(_JOBS)]


def job_get(name: str) -> Job:
    """The job called `name`, or a 404 naming it."""
    job = _JOBS.get(name)
    if job is None:
        from django.utils.translation import gettext as _

        from .errors import NotFound

        raise NotFound(_("No job is called %(name)s.") % {"name": name})
    return job


def _active_run(name: str):
    from .choices import ACTIVE_JOB_RUN_STATES
    from .models import JobRun

    return JobRun.objects.filter(name=name, status__in=ACTIVE_JOB_RUN_STATES).first()


def _release_stale(name: str) -> None:
    """Mark a run that has been active longer than STALE_AFTER as failed (its worker is gone)."""
    from django.utils.translation import gettext as _

    from .audit import audit_record
    from .choices import ACTIVE_JOB_RUN_STATES, JobRunStatus
    from .models import JobRun

    stale = JobRun.objects.filter(
        name=name,
        status__in=ACTIVE_JOB_RUN_STATES,
        requested_at__lt=timezone.now() - STALE_AFTER,
    ).first()
    if stale is None:
        return
    error = _("Abandoned: still %(status)s after %(hours)s hours.") % {
        "status": stale.status,
        "hours": int(STALE_AFTER.total_seconds() // 3600),
    }
    if JobRun.objects.filter(pk=stale.pk, status=stale.status).update(
        status=JobRunStatus.FAILED, finished_at=timezone.now(), error=error
    ):
        audit_record(
            target=stale,
            action="job.failed",
            changes={"status": [stale.status, JobRunStatus.FAILED], "error": error},
        )


def job_request(*, name: str, by=None, run_now: bool = False):
    """Ask for a run of the job `name`; returns `(run, created)`.

    `by` is the person asking (None: the command line), checked against the job's rule. While
    a run of the job is queued or running, that run is returned and nothing new is queued
    (the database's partial unique constraint decides between two askers at once). A new run
    is audited and queued as a background task after commit, or, with `run_now`, run here
    before returning (the management command).
    """
    from django.utils.translation import gettext as _

    from .audit import audit_record
    from .errors import Conflict, Forbidden
    from .models import JobRun

    job = job_get(name)
    if by is not None and not job.may(by):
        raise Forbidden(_("You may not run this job."))
    with transaction.atomic():
        _release_stale(name)
        active = _active_run(name)
        if active is not None:
            return active, False
        try:
            with transaction.atomic():
                run = JobRun.objects.create(name=name, requested_by=by)
        except IntegrityError:  # a concurrent request won: answer with its run
            active = _active_run(name)
            if active is None:
                raise Conflict(_("The job was asked for at the same moment; try again.")) from None
            return active, False
        audit_record(
            target=run, action="job.requested", actor=by, changes={"job": name, "status": "queued"}
        )
        if not run_now:
            enqueue("ltc.tasks.run_job", run.pk)  # named: the task imports this module
    if run_now:
        job_execute(run.pk)
        run.refresh_from_db()
    return run, True


def _plain_result(value: Any) -> Any:
    """A task's return value as JSON (numbers, strings, lists and dicts of them)."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, dict):
        return {str(k): _plain_result(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [_plain_result(v) for v in value]
    return str(value)


def job_execute(run_id: int):
    """Run a queued run's task here, once: the run is claimed (queued → running) first, so a
    redelivered message or a second worker finds it taken and does nothing. Records the
    result or the error and audits the outcome; returns the run, or None when not claimed."""
    from .audit import audit_record
    from .choices import JobRunStatus
    from .models import JobRun

    claimed = JobRun.objects.filter(pk=run_id, status=JobRunStatus.QUEUED).update(
        status=JobRunStatus.RUNNING, started_at=timezone.now()
    )
    if not claimed:
        return None
    run = JobRun.objects.select_related("requested_by").get(pk=run_id)
    job = _JOBS.get(run.name)
    kwargs = {"by_id": run.requested_by_id} if job is not None and job.pass_by else {}
    try:
        if job is None:
            raise LookupError(f"no job is registered as {run.name}")
        with transaction.atomic() if transaction.get_connection().in_atomic_block else _nothing():
            result = _task(job.task).run(**kwargs)  # the task's body, in this worker
    except Exception as exc:
        logger.exception("job %s (run %s) failed", run.name, run_id)
        status, result, error = JobRunStatus.FAILED, None, f"{type(exc).__name__}: {exc}"[:2000]
    else:
        status, result, error = JobRunStatus.SUCCEEDED, _plain_result(result), ""
    with transaction.atomic():
        JobRun.objects.filter(pk=run_id).update(
            status=status, result=result, error=error, finished_at=timezone.now()
        )
        changes = {"status": [JobRunStatus.RUNNING, status]}
        changes.update({"error": error} if error else {"result": result})
        audit_record(
            target=run,
            action="job.failed" if error else "job.finished",
            actor=run.requested_by,
            changes=changes,
        )
    run.refresh_from_db()
    return run

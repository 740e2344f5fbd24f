"""The beat scan of waiting approval tasks: a reminder once half a step's time limit has
passed, an escalation (tasks for the step's `escalate_to` approvers) once all of it has.

Each goes out exactly once per task and kind: the `ApprovalNotice` row (unique task, kind)
is the claim, inserted in a savepoint before anything is sent, in the same transaction as
what is sent; a second scan, or two at once, finds the claim taken and sends nothing (ADR 7,
as for payment reminders)."""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction
from django.utils import timezone

from ..audit import audit_record
from ..messages import message
from ..notifications import notify
from .choices import ApprovalState, NoticeKind, TaskOutcome
from .engine import _assign, _params, step_name
from .models import ApprovalNotice, ApprovalTask
from .rules import approvers_for


def _claim(task: ApprovalTask, kind: str, recipients: list) -> bool:
    try:
        with transaction.atomic():
            ApprovalNotice.objects.create(
                task=task, kind=kind, recipient_ids=[u.pk for u in recipients]
            )
    except IntegrityError:
        return False
    return True


def _due(now: dt.datetime):
    return (
        ApprovalTask.objects.filter(
            outcome=TaskOutcome.WAITING,
            escalated=False,
            request__state=ApprovalState.PENDING,
            step__time_limit_hours__isnull=False,
        )
        .select_related("request__org_unit", "request__requester", "step", "assignee")
        .order_by("created_at", "id")
    )


def _remind(task: ApprovalTask) -> bool:
    request, step = task.request, task.step
    with transaction.atomic():
        if not _claim(task, NoticeKind.REMINDER, [task.assignee]):
            return False
        notify(
            recipients=[task.assignee],
            kind="approval.reminder",
            message=message("approval.reminder", step=step_name(step), **_params(request)),
            target=request,
            email=True,
        )
        audit_record(
            target=request,
            action="approval.reminded",
            actor=None,
            changes={"step": step.name, "assignee": str(task.assignee)},
        )
    return True


def _escalate(task: ApprovalTask) -> bool:
    request, step = task.request, task.step
    people = approvers_for(step.escalate_to, request)
    with transaction.atomic():
        if not _claim(task, NoticeKind.ESCALATION, people):
            return False
        tasks = _assign(request, step, people, escalated=True)
        notify(
            recipients=[t.assignee for t in tasks],
            kind="approval.escalated",
            message=message("approval.escalated", step=step_name(step), **_params(request)),
            target=request,
        )
        audit_record(
            target=request,
            action="approval.escalated",
            actor=None,
            changes={"step": step.name, "to": [str(t.assignee) for t in tasks]},
        )
    return True


def approvals_scan(now: dt.datetime | None = None) -> dict[str, int]:
    """Send the reminders and escalations that are due; returns how many of each went out."""
    now = now or timezone.now()
    sent = {"reminders": 0, "escalations": 0}
    for task in _due(now).iterator(chunk_size=200):
        limit = dt.timedelta(hours=task.step.time_limit_hours)
        waited = now - task.created_at
        if waited >= limit / 2 and _remind(task):
            sent["reminders"] += 1
        if waited >= limit and task.step.escalate_to and _escalate(task):
            sent["escalations"] += 1
    return sent

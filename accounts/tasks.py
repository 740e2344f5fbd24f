"""Celery jobs of the parties app: large imports, and flagging overdue next steps."""

from __future__ import annotations

from celery import shared_task
from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation

from core.messages import day, label, message
from core.notifications import notify

from .choices import ActivityKind, ImportStatus
from .models import Activity, ImportJob
from .selectors import overdue_q


@shared_task(acks_late=True)
def import_validate_task(job_id: int) -> str:
    """Check a large import's rows (the preview)."""
    from .imports.services import import_validate

    job = ImportJob.objects.select_related("created_by__org_unit").filter(pk=job_id).first()
    if job is None or job.status not in (ImportStatus.UPLOADED, ImportStatus.VALIDATING):
        return "skipped"
    with translation.override(job.created_by.language or settings.LANGUAGE_CODE):
        return import_validate(job=job).status


@shared_task(acks_late=True)
def import_commit_task(job_id: int) -> str:
    """Write a large import; a redelivered message finds it done and does nothing."""
    from .imports.services import import_run

    job = ImportJob.objects.select_related("created_by").filter(pk=job_id).first()
    if job is None:
        return "missing"
    with translation.override(job.created_by.language or settings.LANGUAGE_CODE):
        return import_run(job=job).status


@shared_task(acks_late=True)
def activities_flag_overdue() -> int:
    """Tell each owner about their next steps past their date and not done — once per activity
    (the activity is claimed before the notification is written, so a re-run flags nothing
    twice)."""
    flagged = 0
    pending = (
        Activity.objects.filter(overdue_q(), overdue_notified_at__isnull=True)
        .values_list("pk", flat=True)
        .order_by("pk")
    )
    for pk in list(pending.iterator(chunk_size=2000)):
        with transaction.atomic():
            claimed = Activity.objects.filter(pk=pk, overdue_notified_at__isnull=True).update(
                overdue_notified_at=timezone.now()
            )
            if not claimed:
                continue
            activity = Activity.objects.select_related("owner").get(pk=pk)
            notify(
                recipients=[activity.owner],
                kind="activity.overdue",
                target=activity,
                message=message(
                    "activity.overdue",
                    step=activity.next_step,
                    date=day(activity.next_step_date),
                    kind=label(ActivityKind, activity.kind),
                    summary=activity.summary,
                ),
                email=True,
            )
            flagged += 1
    return flagged


@shared_task(acks_late=True)
def registrations_expire() -> int:
    """End each customer registration (客户报备) past its date, once: renewed where the
    account was worked since, else expired and its holder told. The state change under the
    row's lock is the claim, so a second or concurrent run changes nothing."""
    from .services.registrations import registration_expire, registrations_due

    expired = 0
    for pk in registrations_due():
        if registration_expire(registration_id=pk) == "expired":
            expired += 1
    return expired

"""Celery tasks of the core: notification e-mails, one at a time or as a daily digest."""

from __future__ import annotations

import datetime as dt

from celery import shared_task
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage, send_mail
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from .models import Notification
from .notifications import email_text, reply_address


def _link(notification: Notification) -> str:
    return f"{settings.SITE_URL.rstrip('/')}{notification.url}" if notification.url else ""


@shared_task(name="ltc.tasks.send_notification_emails", acks_late=True)
def send_notification_emails(notification_ids: list[int]) -> int:
    """E-mail each notification not e-mailed yet. Idempotent: a row is claimed before sending,
    so a re-run or a redelivered message sends nothing twice."""
    sent = 0
    for pk in notification_ids:
        with transaction.atomic():
            claimed = Notification.objects.filter(pk=pk, emailed_at__isnull=True).update(
                emailed_at=timezone.now()
            )
            if not claimed:
                continue
            n = Notification.objects.select_related("recipient").get(pk=pk)
            subject, body = email_text(n)
            reply_to = reply_address(n)  # a reply lands as a comment on the record (mailin)
            EmailMessage(
                subject, body, None, [n.recipient.email], reply_to=[reply_to] if reply_to else None
            ).send()
            sent += 1
    return sent


@shared_task(name="ltc.tasks.send_daily_digests", acks_late=True)
def send_daily_digests() -> int:
    """One e-mail per user who chose the digest, with the last day's unsent notifications."""
    since = timezone.now() - dt.timedelta(days=1)
    users = get_user_model().objects.filter(email_digest=True, is_active=True).exclude(email="")
    sent = 0
    for user in users.iterator():
        with transaction.atomic():
            pending = list(
                Notification.objects.select_for_update().filter(
                    recipient=user, emailed_at__isnull=True, created_at__gte=since
                )
            )
            if not pending:
                continue
            Notification.objects.filter(pk__in=[n.pk for n in pending]).update(
                emailed_at=timezone.now()
            )
            with translation.override(user.language or settings.LANGUAGE_CODE):
                lines = [f"- {n.display_title} {_link(n)}".rstrip() for n in pending]
                send_mail(_("Your LTC CRM digest"), "\n".join(lines), None, [user.email])
            sent += 1
    return sent


@shared_task(name="ltc.tasks.flush_outbox")
def flush_outbox() -> int:
    """Publish the tasks the broker could not take when they were asked for (ADR 10)."""
    from .jobs import flush_outbox as run

    return run()


@shared_task(acks_late=True, name="ltc.tasks.run_job")
def run_job(run_id: int) -> str:
    """Run one on-demand job run (`core.jobs.job_execute`); a redelivered message finds the run
    claimed and does nothing."""
    from .context import RequestContext, reset, set_current
    from .jobs import job_execute

    token = set_current(RequestContext(via="task"))
    try:
        run = job_execute(run_id)
    finally:
        reset(token)
    return run.status if run is not None else "skipped"


@shared_task(acks_late=True, name="ltc.tasks.send_approval_reminders")
def send_approval_reminders() -> dict:
    """Remind approvers whose step waits beyond half its time limit and escalate beyond the
    whole of it, each exactly once per task (`core.approvals.reminders`)."""
    from .approvals.reminders import approvals_scan

    return approvals_scan()


@shared_task(name="ltc.tasks.ensure_custom_field_indexes")
def ensure_custom_field_indexes(field_ids: list[int] | None = None) -> int:
    """Make the range index of each number, money and date custom field that lacks one (of
    `field_ids`, or of every such field); how many were made."""
    from .custom_fields.indexes import ensure_field_index
    from .custom_fields.models import CustomField, FieldType

    fields = CustomField.objects.filter(
        type__in=[FieldType.NUMBER, FieldType.MONEY, FieldType.DATE]
    )
    if field_ids is not None:
        fields = fields.filter(pk__in=field_ids)
    return sum(ensure_field_index(field) for field in fields)


@shared_task(name="ltc.tasks.ensure_partitions")
def ensure_partitions() -> int:
    """Make the audit trail's and notifications' partitions for the next months (PostgreSQL;
    ADR 37), and move rows the DEFAULT partition caught into their month; how many were made."""
    from .partitions import ensure_partitions as ensure

    return ensure()

"""Writes of saved reports (ADR 32): save, share, schedule, delete (only their owner), and the
scheduled e-mails (each report once per period, claimed in the database before it is sent)."""

from __future__ import annotations

import datetime as dt
import logging

from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from core.audit import audit_record
from core.errors import Forbidden, ValidationFailed

from .definition import clean_definition
from .engine import run_report
from .models import SavedReport, Schedule
from .xlsx import report_xlsx

log = logging.getLogger(__name__)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _name_taken() -> ValidationFailed:
    return ValidationFailed(
        _("You already have a report with this name."),
        code="duplicate",
        fields={"name": [_("You already have a report with this name.")]},
    )


def _clean_name(name) -> str:
    name = (name or "").strip() if isinstance(name, str) else ""
    if not name:
        raise ValidationFailed(_("Name the report."), fields={"name": [_("Required.")]})
    if len(name) > 120:
        raise ValidationFailed(_("Invalid input."), fields={"name": [_("Too long.")]})
    return name


def _write(report: SavedReport, *, by, data: dict, action: str) -> SavedReport:
    report.name = _clean_name(data.get("name", report.name))
    if "definition" in data:
        report.definition = clean_definition(data["definition"])
    if "schedule" in data:
        if data["schedule"] not in Schedule.values:
            raise ValidationFailed(_("Invalid input."), fields={"schedule": [_("Not a schedule.")]})
        report.schedule = data["schedule"]
    try:
        with transaction.atomic():
            report.save()
            if "shared_units" in data:
                report.shared_units.set(data["shared_units"])
            if "shared_users" in data:
                report.shared_users.set([u for u in data["shared_users"] if u.pk != by.pk])
            audit_record(target=report, action=action, actor=by)
    except IntegrityError:
        raise _name_taken() from None
    return report


def report_create(*, by, data: dict) -> SavedReport:
    """Save a new report definition of `by`'s (name, definition, shares, schedule)."""
    if "definition" not in data:
        raise ValidationFailed(_("Invalid input."), fields={"definition": [_("Required.")]})
    return _write(SavedReport(owner=by), by=by, data=data, action="created")


def report_update(*, by, report: SavedReport, data: dict) -> SavedReport:
    """Change one's own report; a report shared with one is read-only to one (403)."""
    if report.owner_id != by.pk:
        raise Forbidden(_("Only the report's owner may change it."))
    return _write(report, by=by, data=data, action="updated")


def report_delete(*, by, report: SavedReport) -> None:
    """Delete one's own report."""
    if report.owner_id != by.pk:
        raise Forbidden(_("Only the report's owner may delete it."))
    with transaction.atomic():
        audit_record(target=report, action="deleted", actor=by)
        report.delete()


def is_due(schedule: str, last_sent_on: dt.date | None, today: dt.date) -> bool:
    """Whether a schedule has a mail to send today (daily, weekly: 7 days on; monthly: a new
    calendar month)."""
    if not schedule:
        return False
    if last_sent_on is None:
        return True
    if schedule == Schedule.DAILY:
        return last_sent_on < today
    if schedule == Schedule.WEEKLY:
        return (today - last_sent_on).days >= 7
    return (last_sent_on.year, last_sent_on.month) < (today.year, today.month)


def _send(report: SavedReport, today: dt.date) -> None:
    owner = report.owner
    with translation.override(owner.language or translation.get_language()):
        result = run_report(owner, clean_definition(report.definition), today=today)
        content = report_xlsx(report.name, result)
        subject = _("Report: %(name)s") % {"name": report.name}
        body = _(
            "Your report %(name)s of %(day)s is attached. It counts the records you may see."
        ) % {"name": report.name, "day": today.isoformat()}
    message = EmailMessage(subject, body, None, [owner.email])
    message.attach(f"report-{report.pk}-{today.isoformat()}.xlsx", content, XLSX)
    message.send()


def scheduled_reports_send(*, today: dt.date | None = None, limit: int = 500) -> int:
    """E-mail every due scheduled report to its owner as an Excel file. Each is claimed by a
    conditional UPDATE of `last_sent_on` before it is sent, so two workers never send the
    same report twice in one period; a failed send gives the claim back."""
    today = today or timezone.localdate()
    sent = 0
    due = (
        Q(last_sent_on__isnull=True)
        | Q(schedule=Schedule.DAILY, last_sent_on__lt=today)
        | Q(schedule=Schedule.WEEKLY, last_sent_on__lte=today - dt.timedelta(days=7))
        | Q(schedule=Schedule.MONTHLY, last_sent_on__lt=today.replace(day=1))
    )
    candidates = (
        SavedReport.objects.exclude(schedule="")
        .filter(due)
        .exclude(owner__email="")
        .filter(owner__is_active=True)
        .select_related("owner")
        .order_by("id")[:limit]
    )
    for report in candidates:
        if not is_due(report.schedule, report.last_sent_on, today):
            continue
        claimed = SavedReport.objects.filter(pk=report.pk, last_sent_on=report.last_sent_on).update(
            last_sent_on=today
        )
        if not claimed:
            continue
        try:
            _send(report, today)
        except Exception:  # noqa: BLE001 - one report's failure must not stop the others
            log.exception("scheduled report %s failed", report.pk)
            SavedReport.objects.filter(pk=report.pk, last_sent_on=today).update(
                last_sent_on=report.last_sent_on
            )
            continue
        sent += 1
    return sent

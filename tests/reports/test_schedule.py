"""Scheduled reports (issue 23.4): the beat task e-mails each due report to its owner as an
Excel file of the owner's own scope, once per period."""

from __future__ import annotations

import datetime as dt
from io import BytesIO

import pytest
from openpyxl import load_workbook

from reports.models import SavedReport
from reports.tasks import send_scheduled_reports

pytestmark = pytest.mark.django_db

DEFINITION = {"record_type": "opportunities", "rows": ["state"], "measure": "count"}


def sheet_of(message) -> list[tuple]:
    (name, content, mimetype) = message.attachments[0]
    assert name.endswith(".xlsx") and "spreadsheetml" in mimetype
    return [tuple(r) for r in load_workbook(BytesIO(content)).active.iter_rows(values_only=True)]


def test_a_due_report_is_mailed_once_per_period_as_excel(org, deals, mailoutbox, monkeypatch):
    org.manager.email = "manager@example.com"
    org.manager.save(update_fields=["email"])
    report = SavedReport.objects.create(
        owner=org.manager, name="Weekly stages", definition=DEFINITION, schedule="weekly"
    )
    SavedReport.objects.create(owner=org.manager, name="Unscheduled", definition=DEFINITION)
    assert send_scheduled_reports() == 1
    assert send_scheduled_reports() == 0  # the same period: not again
    assert len(mailoutbox) == 1
    message = mailoutbox[0]
    assert message.to == ["manager@example.com"] and "Weekly stages" in message.subject
    # The owner's scope: the manager's team only, never the other region's deal.
    assert sheet_of(message) == [("stage", "Count"), ("Identified", 2), ("Bidding", 1), ("Won", 1)]
    report.refresh_from_db()
    from reports.services import scheduled_reports_send

    assert scheduled_reports_send(today=report.last_sent_on + dt.timedelta(days=6)) == 0
    assert scheduled_reports_send(today=report.last_sent_on + dt.timedelta(days=7)) == 1
    assert len(mailoutbox) == 2


@pytest.mark.parametrize(
    ("schedule", "last", "today", "due"),
    [
        ("daily", "2026-03-01", "2026-03-01", False),
        ("daily", "2026-03-01", "2026-03-02", True),
        ("monthly", "2026-03-01", "2026-03-31", False),
        ("monthly", "2026-03-31", "2026-04-01", True),
    ],
)
def test_daily_and_monthly_schedules(org, mailoutbox, schedule, last, today, due):
    from reports.services import scheduled_reports_send

    org.rep.email = "rep@example.com"
    org.rep.save(update_fields=["email"])
    SavedReport.objects.create(
        owner=org.rep,
        name="R",
        definition=DEFINITION,
        schedule=schedule,
        last_sent_on=dt.date.fromisoformat(last),
    )
    assert scheduled_reports_send(today=dt.date.fromisoformat(today)) == int(due)


def test_a_report_that_no_longer_runs_gives_its_claim_back(org, mailoutbox):
    from reports.services import scheduled_reports_send

    org.rep.email = "rep@example.com"
    org.rep.save(update_fields=["email"])
    report = SavedReport.objects.create(
        owner=org.rep,
        name="Broken",
        definition={**DEFINITION, "rows": ["custom:gone"]},
        schedule="daily",
    )
    assert scheduled_reports_send(today=dt.date(2026, 3, 2)) == 0
    report.refresh_from_db()
    assert report.last_sent_on is None and mailoutbox == []

"""The reminder ladder, with time travel (the scan takes the day it runs for): N days before
due and on the day to the AR, overdue +1 the AR, +7 the sales manager, +30 finance and the
representative office. Every reminder exactly once, however often the scan runs."""

import datetime as dt
import threading
from collections import Counter
from decimal import Decimal

import pytest
from django.conf import settings
from django.core import mail
from django.db import connection
from django.utils import translation

from core.models import Notification
from core.tasks import send_daily_digests
from receivables import reminders
from receivables.models import MilestoneReminder, ReminderScan
from receivables.reminders import scan
from receivables.services import receipt_record
from receivables.tasks import scan_payment_milestones

from .conftest import TODAY, milestones, pct_plan

pytestmark = pytest.mark.django_db

DUE_IN = 10


@pytest.fixture
def due_day():
    return TODAY() + dt.timedelta(days=DUE_IN)


@pytest.fixture
def contract(make_contract):
    """One milestone of 1,000.00 due in ten days (signing today + 10 credit days)."""
    return make_contract(
        amount="1000.00", plan=pct_plan(("down_payment", 100, "on_signing", DUE_IN))
    )


def sent(kind_suffix=None):
    rows = Notification.objects.filter(kind__startswith="payment_reminder.")
    if kind_suffix:
        rows = rows.filter(kind=f"payment_reminder.{kind_suffix}")
    return Counter((n.kind.removeprefix("payment_reminder."), n.recipient.username) for n in rows)


def test_the_ladder_day_by_day(org, contract, due_day):
    by_day = {}
    for offset in range(-9, 32):
        before = Notification.objects.count()
        day = due_day + dt.timedelta(days=offset)
        scan(today=day)
        scan(today=day)  # a second run the same day sends nothing more
        by_day[offset] = Notification.objects.count() - before
    assert {k: v for k, v in by_day.items() if v} == {-7: 1, -3: 1, -1: 1, 0: 1, 1: 1, 7: 2, 30: 4}
    assert sent() == Counter(
        {
            ("before_7", "rep"): 1,
            ("before_3", "rep"): 1,
            ("before_1", "rep"): 1,
            ("due", "rep"): 1,
            ("overdue_1", "rep"): 1,
            ("overdue_7", "rep"): 1,
            ("overdue_7", "manager"): 1,
            ("overdue_30", "rep"): 1,
            ("overdue_30", "manager"): 1,
            ("overdue_30", "finance"): 1,
            ("overdue_30", "director"): 1,
        }
    )
    assert MilestoneReminder.objects.count() == 7
    titles = {n.kind: n.title for n in Notification.objects.filter(recipient=org.rep)}
    assert "due in 7 days" in titles["payment_reminder.before_7"]
    assert "1,000.00" in titles["payment_reminder.before_7"]
    assert "due today" in titles["payment_reminder.due"]
    assert "overdue by 30 days" in titles["payment_reminder.overdue_30"]
    assert all(
        n.url == milestones(contract)[0].get_absolute_url() for n in Notification.objects.all()
    )


def test_a_missed_day_sends_only_the_step_reached_not_the_skipped_ones(contract, due_day):
    scan(today=due_day + dt.timedelta(days=9))
    assert set(sent()) == {("overdue_7", "rep"), ("overdue_7", "manager")}


def test_paid_milestones_are_not_chased_and_partly_paid_ones_show_what_is_left(
    org, contract, due_day
):
    receipt_record(
        by=org.finance,
        contract=contract,
        amount=Decimal("400.00"),
        received_on=TODAY(),
        method="bank_transfer",
    )
    scan(today=due_day)
    (note,) = Notification.objects.filter(kind="payment_reminder.due")
    assert "600.00" in note.title
    receipt_record(
        by=org.finance,
        contract=contract,
        amount=Decimal("600.00"),
        received_on=TODAY(),
        method="bank_transfer",
    )
    for offset in (1, 7, 30):
        scan(today=due_day + dt.timedelta(days=offset))
    assert Notification.objects.filter(kind__startswith="payment_reminder.").count() == 1


def test_days_before_are_configurable(settings, contract, due_day):
    settings.RECEIVABLES_REMINDER_DAYS_BEFORE = [5]
    for offset in range(-9, 1):
        scan(today=due_day + dt.timedelta(days=offset))
    assert set(sent()) == {("before_5", "rep"), ("due", "rep")}


def test_e_mail_goes_out_at_once_or_in_the_digest(
    org, contract, due_day, django_capture_on_commit_callbacks
):
    org.manager.email_digest = True
    org.manager.save()
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        scan(today=due_day + dt.timedelta(days=7))
    assert [m.to for m in mail.outbox] == [[org.rep.email]]
    send_daily_digests()
    assert [m.to for m in mail.outbox][1:] == [[org.manager.email]]
    assert "overdue by 7 days" in mail.outbox[1].body
    with django_capture_on_commit_callbacks(execute=True):
        scan(today=due_day + dt.timedelta(days=7))
    send_daily_digests()
    assert len(mail.outbox) == 2


def test_a_scan_that_dies_midway_is_finished_by_the_next_run(
    org, make_contract, due_day, monkeypatch
):
    for _n in range(3):
        make_contract(amount="100.00", plan=pct_plan(("down_payment", 100, "on_signing", DUE_IN)))
    real = reminders._send_batch
    calls = []

    def dies_on_the_second_batch(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("worker lost")
        return real(*args, **kwargs)

    monkeypatch.setattr(reminders, "_send_batch", dies_on_the_second_batch)
    with pytest.raises(RuntimeError):
        scan(today=due_day, batch=1)
    assert MilestoneReminder.objects.count() == 1  # the first batch committed, alone
    monkeypatch.setattr(reminders, "_send_batch", real)
    scan(today=due_day, batch=1)
    scan(today=due_day, batch=2)
    assert MilestoneReminder.objects.filter(kind="due").count() == 3
    assert Notification.objects.filter(kind="payment_reminder.due").count() == 3


def test_the_task_runs_the_scan_and_records_the_run(contract, due_day):
    result = scan_payment_milestones.delay(today=due_day.isoformat()).get()
    assert result["reminders"] == 1 and result["by_kind"] == {"due": 1}
    run = ReminderScan.objects.get()
    assert run.scan_date == due_day and run.reminders == 1 and run.finished_at is not None
    assert scan_payment_milestones.delay(today=due_day.isoformat()).get()["reminders"] == 0


def test_beat_runs_the_scan_daily_and_the_task_is_acked_late():
    entry = settings.CELERY_BEAT_SCHEDULE["receivables-daily-scan"]
    assert entry["task"] == scan_payment_milestones.name
    assert entry["schedule"].hour == {7}
    assert scan_payment_milestones.acks_late is True


def test_reminders_are_listed_through_the_api_scoped(org, api, contract, due_day):
    scan(today=due_day)
    rows = api(org.rep).get("/api/v1/payment-reminders/").json()["results"]
    assert [r["kind"] for r in rows] == ["due"]
    assert api(org.other_region_rep).get("/api/v1/payment-reminders/").json()["results"] == []


def test_recipients_come_from_the_org_tree(org, make_contract):
    """A team without a sales manager escalates to the nearest unit above that has one."""
    from core.choices import OrgUnitKind
    from tests.factories import OrgUnitFactory, UserFactory

    lonely = OrgUnitFactory(name="Lonely team", code="lonely", kind=OrgUnitKind.TEAM, parent=org.gd)
    rep = UserFactory(username="lonely_rep", org_unit=lonely)
    make_contract(amount="10.00", owner=rep, plan=pct_plan(("down_payment", 100, "on_signing", 0)))
    scan(today=TODAY() + dt.timedelta(days=30))
    assert set(sent()) == {
        ("overdue_30", "lonely_rep"),
        ("overdue_30", "director"),
        ("overdue_30", "finance"),
    }


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrent runs need PostgreSQL")
def test_two_scans_at_once_send_each_reminder_once(org, make_contract, due_day):
    for _n in range(20):
        make_contract(amount="100.00", plan=pct_plan(("down_payment", 100, "on_signing", DUE_IN)))
    barrier = threading.Barrier(3)

    def run():
        try:
            barrier.wait()
            scan(today=due_day, batch=3)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _n in range(3)]
    [t.start() for t in threads]
    [t.join() for t in threads]
    assert MilestoneReminder.objects.count() == 20
    assert Notification.objects.filter(kind="payment_reminder.due").count() == 20
    assert sum(ReminderScan.objects.values_list("reminders", flat=True)) == 20


def test_each_recipient_reads_the_reminder_in_their_language(org, contract, due_day):
    org.rep.language = "zh-hans"
    org.rep.save()
    scan(today=due_day + dt.timedelta(days=7))
    notes = {
        n.recipient.username: n
        for n in Notification.objects.filter(kind="payment_reminder.overdue_7").select_related(
            "recipient"
        )
    }
    assert notes["rep"].message == notes["manager"].message  # one message, read in each language
    with translation.override(notes["rep"].recipient.language):
        assert "已逾期 7 天" in notes["rep"].display_title
    with translation.override(notes["manager"].recipient.language or settings.LANGUAGE_CODE):
        assert "overdue by 7 days" in notes["manager"].display_title


def test_reminder_e_mails_whose_queueing_was_lost_are_queued_again(
    org, contract, due_day, django_capture_on_commit_callbacks
):
    scan(today=due_day)  # on-commit callbacks are dropped here: the e-mail is never queued
    note = Notification.objects.get(kind="payment_reminder.due")
    assert note.emailed_at is None
    Notification.objects.filter(pk=note.pk).update(
        created_at=note.created_at - dt.timedelta(hours=1)
    )
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        result = scan(today=due_day)
    assert result.emails_requeued == 1 and [m.to for m in mail.outbox] == [[org.rep.email]]
    note.refresh_from_db()
    assert note.emailed_at is not None
    with django_capture_on_commit_callbacks(execute=True):
        assert scan(today=due_day).emails_requeued == 0

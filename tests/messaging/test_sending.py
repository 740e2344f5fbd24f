"""Chat messages out: each vendor's signing and payload as a local receiver checks them like
the vendor, the vendor's error codes, timeouts and wrong secrets in the delivery log with
retries and backoff, and each notification sent once per channel (ADR 24)."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from messaging import vendors
from messaging.models import ChatDelivery
from messaging.sending import deliveries_send_due, delivery_send

from .conftest import tell

pytestmark = pytest.mark.django_db

KINDS = ["wecom_robot", "wecom_app", "dingtalk_robot", "dingtalk_work", "feishu_bot"]
PATHS = {
    "wecom_robot": "/wecom/robot/send",
    "wecom_app": "/wecom/cgi-bin/message/send",
    "dingtalk_robot": "/dingtalk/robot/send",
    "dingtalk_work": "/dingtalk/topapi/",
    "feishu_bot": "/feishu/hook/",
}


@pytest.mark.parametrize("kind", KINDS)
def test_each_vendor_gets_a_signed_message_in_its_format_with_the_link_back(
    ids, vendor, make_channel, kind, django_capture_on_commit_callbacks
):
    make_channel(kind)
    with django_capture_on_commit_callbacks(execute=True):
        note = tell(ids.manager)
    delivery = ChatDelivery.objects.get(notification=note)
    assert (delivery.status, delivery.attempts, delivery.errcode) == ("sent", 1, "")
    [sent] = vendor.sent(PATHS[kind])
    assert sent["answer"].get("errcode", sent["answer"].get("code")) == 0, sent["answer"]
    text = str(sent["body"])
    assert f"{settings.SITE_URL.rstrip('/')}/opportunities/1/" in text  # the link back
    assert "Overdue next step: Call the CIO" in text
    person = {"wecom": "zhao.wei", "dingtalk": "d-0042", "feishu": "ou_7d8a"}
    assert person[kind.split("_")[0]] in text  # addressed or mentioned by their id


@pytest.mark.parametrize(
    ("kind", "errcode"),
    [("dingtalk_robot", "310000"), ("feishu_bot", "19021"), ("wecom_app", "40001")],
)
def test_a_wrong_secret_is_the_vendors_code_in_the_log_then_retried_once_fixed(
    ids, vendor, make_channel, kind, errcode, django_capture_on_commit_callbacks
):
    channel = make_channel(kind, secret="wrong-secret")
    with django_capture_on_commit_callbacks(execute=True):
        note = tell(ids.manager)
    delivery = ChatDelivery.objects.get(notification=note)
    assert (delivery.status, delivery.errcode, delivery.attempts) == ("retrying", errcode, 1)
    assert delivery.errmsg  # the vendor's words
    wait = delivery.next_attempt_at - timezone.now()
    assert dt.timedelta(seconds=50) < wait <= dt.timedelta(seconds=60)  # backoff: a minute

    assert deliveries_send_due() == 0  # not due yet: nothing sent early
    channel.secret = {
        "dingtalk_robot": "SECding-robot-secret",
        "feishu_bot": "feishu-bot-secret",
        "wecom_app": "wecom-app-secret",
    }[kind]
    channel.save()
    assert deliveries_send_due(now=timezone.now() + dt.timedelta(minutes=2)) == 1
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.errcode) == ("sent", 2, "")


def test_a_vendor_error_is_retried_with_growing_backoff_then_failed_never_lost(
    ids, vendor, make_channel, django_capture_on_commit_callbacks, settings
):
    settings.CHAT_MAX_ATTEMPTS = 3
    make_channel("wecom_robot")
    busy = {"errcode": 45009, "errmsg": "api freq out of limit"}
    vendor.script = [busy, busy, busy]
    with django_capture_on_commit_callbacks(execute=True):
        note = tell(ids.manager)
    delivery = ChatDelivery.objects.get(notification=note)
    assert (delivery.status, delivery.errcode, delivery.errmsg) == (
        "retrying",
        "45009",
        "api freq out of limit",
    )
    first_wait = delivery.next_attempt_at - timezone.now()
    later = timezone.now() + dt.timedelta(minutes=5)
    deliveries_send_due(now=later)
    delivery.refresh_from_db()
    assert delivery.status == "retrying" and delivery.attempts == 2
    assert delivery.next_attempt_at - later > first_wait  # 2 minutes after 1
    deliveries_send_due(now=later + dt.timedelta(minutes=10))
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.errcode) == ("failed", 3, "45009")
    assert deliveries_send_due(now=later + dt.timedelta(hours=2)) == 0  # failed stays failed
    assert len(vendor.sent("/wecom/robot/send")) == 3


def test_a_vendor_that_does_not_answer_in_time_is_retried(
    ids, vendor, make_channel, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(vendors, "TIMEOUT_SECONDS", 0.3)
    make_channel("feishu_bot")
    vendor.delay = 1.0
    with django_capture_on_commit_callbacks(execute=True):
        note = tell(ids.manager)
    delivery = ChatDelivery.objects.get(notification=note)
    assert (delivery.status, delivery.errcode) == ("retrying", "unreachable")
    vendor.delay = 0
    deliveries_send_due(now=timezone.now() + dt.timedelta(minutes=2))
    delivery.refresh_from_db()
    assert delivery.status == "sent"


def test_a_delivery_is_sent_once_however_often_its_task_runs(
    ids, vendor, make_channel, django_capture_on_commit_callbacks
):
    from messaging.tasks import send_chat_deliveries

    make_channel("dingtalk_robot")
    with django_capture_on_commit_callbacks(execute=True):
        note = tell(ids.manager)
        tell(ids.manager)  # a second notification: its own delivery
    delivery = ChatDelivery.objects.get(notification=note)
    assert send_chat_deliveries.apply(args=[[delivery.pk]]).get() == 0  # redelivered: claimed
    assert delivery_send(delivery.pk) == ""
    assert deliveries_send_due(now=timezone.now() + dt.timedelta(hours=1)) == 0
    assert len(vendor.sent("/dingtalk/robot/send")) == 2
    assert ChatDelivery.objects.count() == 2


def test_an_interrupted_send_is_marked_failed_not_sent_again(ids, vendor, make_channel):
    channel = make_channel("wecom_robot")
    note = tell(ids.manager)
    ChatDelivery.objects.filter(notification=note, channel=channel).update(
        status="sending", claimed_at=timezone.now() - dt.timedelta(hours=1), attempts=1
    )
    assert deliveries_send_due() == 0
    delivery = ChatDelivery.objects.get(notification=note)
    assert (delivery.status, delivery.errcode) == ("failed", "interrupted")
    assert vendor.sent("/wecom/robot/send") == []


def test_nothing_is_sent_to_a_channel_switched_off_or_to_someone_without_an_id(
    org, vendor, make_channel, django_capture_on_commit_callbacks
):
    make_channel("wecom_app")  # needs the person's WeCom id: the rep has none
    make_channel("feishu_bot", enabled=False)
    with django_capture_on_commit_callbacks(execute=True):
        tell(org.rep)
    assert not ChatDelivery.objects.exists()
    assert vendor.requests == []


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="two database sessions racing: PostgreSQL",
)
def test_two_workers_flushing_the_same_delivery_send_it_once(org, vendor, make_channel):
    make_channel("wecom_robot")
    note = tell(org.manager)
    delivery = ChatDelivery.objects.get(notification=note)
    ChatDelivery.objects.filter(pk=delivery.pk).update(status="queued", attempts=0)
    vendor.requests.clear()
    vendor.delay = 0.3  # both workers are in flight together
    start, results = threading.Barrier(2), []

    def worker():
        start.wait(5)
        try:
            results.append(delivery_send(delivery.pk))
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(20)
    assert sorted(results) == ["", "sent"]
    assert len(vendor.sent("/wecom/robot/send")) == 1
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("sent", 1)

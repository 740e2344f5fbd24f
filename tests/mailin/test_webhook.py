"""E-mail in through the webhook (issue 22.5), replies to notification e-mails as comments on
their record, and the inbound log: bad input is a clear status, never a 500 or a lost message."""

from __future__ import annotations

import logging

import pytest
from django.core import mail
from django.test import override_settings

from accounts.models import Activity
from core.audit import AuditEvent
from core.models import Notification
from core.tasks import send_notification_emails
from leads.models import Lead
from leads.services import capture_source_create
from mailin.models import InboundMessage
from tests.factories import OpportunityFactory

from .messages import broken_charset, message

pytestmark = pytest.mark.django_db

REPLY = "crm@ltc.example"


@pytest.fixture
def key(org):
    _source, key = capture_source_create(by=org.admin, name="Provider", org_unit=org.gd)
    return key


def push(api, raw: bytes, key: str | None, content_type: str = "message/rfc822"):
    headers = {"HTTP_X_LEAD_SOURCE_KEY": key} if key else {}
    return api(None).post("/api/v1/inbound-mail/", data=raw, content_type=content_type, **headers)


def test_a_pushed_message_is_a_lead_once(org, api, key):
    assert push(api, message(), None).status_code == 401
    raw = message(message_id="<push@client.example>")
    first = push(api, raw, key)
    assert first.status_code == 201, first.json()
    assert first.json()["status"] == "lead_created"
    again = push(api, raw, key)
    assert (again.status_code, again.json()["status"]) == (200, "duplicate")
    assert Lead.objects.count() == 1
    broken = push(api, broken_charset(), key)
    assert broken.status_code == 201 and "\ufffd" in Lead.objects.latest("id").need
    no_from = push(api, message(sender=None), key)
    assert (no_from.status_code, no_from.json()["reason"]) == (200, "no_from")
    empty = push(api, b"", key)
    assert (empty.status_code, empty.json()["code"]) == (400, "invalid")
    octets = push(
        api, message(message_id="<octets@client.example>"), key, "application/octet-stream"
    )
    assert (octets.status_code, octets.json()["status"]) == (201, "lead_created")
    assert Lead.objects.count() == 3
    wrong_type = push(api, message(message_id="<json@client.example>"), key, "application/json")
    assert wrong_type.status_code == 415


def test_too_large_is_a_413_and_nothing_is_written(api, key, settings):
    settings.MAILIN_MAX_MESSAGE_BYTES = 10_000
    response = push(api, message(attachment=b"x" * 20_000), key)
    assert (response.status_code, response.json()["code"]) == (413, "too_large")
    assert not Lead.objects.exists() and not InboundMessage.objects.exists()


@override_settings(INBOUND_REPLY_ADDRESS=REPLY)
def test_a_reply_to_a_notification_is_a_comment_by_its_recipient(org, api, key, caplog):
    opportunity = OpportunityFactory(owner=org.rep)
    org.rep.email = "rep@ltc.example"
    org.rep.save(update_fields=["email"])
    notification = Notification.objects.create(
        recipient=org.rep, kind="gate.assess", title="ATI waiting", target=opportunity
    )
    send_notification_emails([notification.pk])
    (reply_to,) = mail.outbox[0].reply_to
    assert reply_to.startswith("crm+n") and reply_to.endswith("@ltc.example")

    reply = message(
        sender="Rep <rep@ltc.example>",
        to=reply_to,
        subject="Re: ATI waiting",
        text="Customer confirmed the budget.\n\nOn Mon, 7 Dec 2026, LTC CRM wrote:\n> ATI waiting",
    )
    response = push(api, reply, key)
    assert (response.status_code, response.json()["status"]) == (201, "comment_added")
    activity = Activity.objects.get()
    assert (activity.subject, activity.owner, activity.kind) == (opportunity, org.rep, "email")
    assert activity.notes == "Customer confirmed the budget."
    assert AuditEvent.objects.filter(action="activity.logged", target_id=opportunity.pk).exists()
    assert not Lead.objects.exists()

    forged = reply_to.replace(reply_to.split("-")[1][:4], "0000")
    caplog.set_level(logging.WARNING, logger="mailin.services")
    for to, sender, reason in (
        (forged, "rep@ltc.example", "forged_token"),
        ("crm+hello@ltc.example", "rep@ltc.example", "forged_token"),
        (reply_to, "someone@else.example", "sender_mismatch"),
    ):
        answer = push(api, message(sender=sender, to=to), key)
        assert (answer.status_code, answer.json()["reason"]) == (200, reason)
    assert "forged_token" in caplog.text
    assert Activity.objects.count() == 1


def test_the_inbound_log_is_for_administrators(org, api, key):
    push(api, message(), key)
    push(api, message(sender=None), key)
    assert api(org.rep).get("/api/v1/inbound-messages/").status_code == 403
    rows = api(org.admin).get("/api/v1/inbound-messages/?status=refused").json()["results"]
    assert [(r["status"], r["reason"]) for r in rows] == [("refused", "no_from")]

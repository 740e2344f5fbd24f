"""What an inbound message becomes: a lead (through web-to-lead's path: dedupe, routing,
scoring), a comment on the record a notification e-mail was about, or a logged refusal.
Each message is acted on once (`InboundMessage.message_key`, unique in the database)."""

from __future__ import annotations

import logging
import re

from django.conf import settings
from django.db import IntegrityError, transaction

from accounts.choices import ActivityKind
from accounts.services.activities import activity_create
from core.errors import ApplicationError
from core.models import Notification
from core.notifications import reply_notification_id
from leads.api.serializers import WebToLeadSerializer
from leads.choices import LeadSource
from leads.models import LeadCaptureSource
from leads.services import lead_capture_web

from .choices import InboundReason, InboundStatus
from .models import InboundMessage, Mailbox
from .parsing import ParsedMail, message_key, parse, reply_text

logger = logging.getLogger(__name__)

#: Mail services whose domain says nothing about the sender's company.
PUBLIC_DOMAINS = frozenset(
    {
        "qq.com",
        "163.com",
        "126.com",
        "139.com",
        "189.cn",
        "sina.com",
        "sohu.com",
        "aliyun.com",
        "foxmail.com",
        "gmail.com",
        "outlook.com",
        "hotmail.com",
        "yahoo.com",
        "icloud.com",
    }
)


class Outcome(dict):
    """status, reason, detail, lead, activity: what acting on a message came to."""


def _reply_token(mail: ParsedMail) -> str | None:
    """The token of a reply to a notification e-mail (`<local>+<token>@<domain>`), if the
    message went to our reply address at all."""
    base = settings.INBOUND_REPLY_ADDRESS.lower()
    if "@" not in base:
        return None
    local, domain = base.rsplit("@", 1)
    pattern = re.compile(rf"{re.escape(local)}\+([^@]+)@{re.escape(domain)}")
    for address in mail.recipients:
        match = pattern.fullmatch(address)
        if match:
            return match[1]
    return None


def _ignored(reason: str, detail: str = "") -> Outcome:
    logger.warning("inbound mail ignored: %s %s", reason, detail)
    return Outcome(status=InboundStatus.IGNORED, reason=reason, detail=detail)


def _comment(mail: ParsedMail, token: str) -> Outcome:
    """A reply to a notification: an e-mail activity on its record, by its recipient."""
    notification_id = reply_notification_id(token)
    if notification_id is None:
        return _ignored(InboundReason.FORGED_TOKEN, token[:100])
    notification = (
        Notification.objects.select_related("recipient").filter(pk=notification_id).first()
    )
    if notification is None or notification.target is None:
        return _ignored(InboundReason.UNKNOWN_NOTIFICATION, str(notification_id))
    recipient = notification.recipient
    if not recipient.is_active or mail.from_address != (recipient.email or "").lower():
        return _ignored(InboundReason.SENDER_MISMATCH, mail.from_address)
    try:
        with transaction.atomic():
            activity = activity_create(
                by=recipient,
                subject=notification.target,
                data={
                    "kind": ActivityKind.EMAIL,
                    "summary": (mail.subject or notification.display_title)[:200],
                    "notes": reply_text(mail.text)[:20000],
                },
            )
    except ApplicationError as error:
        return _ignored(InboundReason.NOT_ALLOWED, str(error.message))
    return Outcome(status=InboundStatus.COMMENT_ADDED, activity=activity)


def _company(mail: ParsedMail) -> str:
    domain = mail.from_address.rsplit("@", 1)[-1]
    if domain in PUBLIC_DOMAINS or not domain:
        return mail.from_name or mail.from_address
    return domain


def _lead(mail: ParsedMail, source: LeadCaptureSource | None) -> Outcome:
    """A new message: a lead of the source, validated and routed like web-to-lead."""
    if source is None or not source.is_active:
        return _ignored(InboundReason.NO_SOURCE)
    data = WebToLeadSerializer(
        data={
            "company": _company(mail)[:200],
            "contact_name": (mail.from_name or mail.from_address.split("@")[0])[:120],
            "contact_email": mail.from_address,
            "need": mail.text[:4000],
            "title": mail.subject[:200],
        }
    )
    if not data.is_valid():
        return Outcome(
            status=InboundStatus.REFUSED, reason=InboundReason.INVALID, detail=str(data.errors)
        )
    values = {k: v for k, v in data.validated_data.items() if v not in ("", None)}
    try:
        with transaction.atomic():
            lead = lead_capture_web(
                source=source, data=values, lead_source=LeadSource.CUSTOMER_INBOUND
            )
    except ApplicationError as error:
        return Outcome(
            status=InboundStatus.REFUSED, reason=InboundReason.INVALID, detail=str(error.message)
        )
    return Outcome(status=InboundStatus.LEAD_CREATED, lead=lead)


def _act(mail: ParsedMail, source: LeadCaptureSource | None) -> Outcome:
    if not mail.from_address:
        return Outcome(status=InboundStatus.REFUSED, reason=InboundReason.NO_FROM)
    token = _reply_token(mail)
    if token is not None:
        return _comment(mail, token)
    return _lead(mail, source)


def _stripped(mail: ParsedMail, outcome: Outcome) -> Outcome:
    """Say so when attachments came with a message that was acted on (they are not kept)."""
    if mail.attachments and not outcome.get("reason"):
        outcome["reason"] = InboundReason.ATTACHMENTS_STRIPPED
        outcome["detail"] = f"{mail.attachments} × {mail.attachment_bytes / 1048576:.1f} MB"
    return outcome


def inbound_mail_process(
    *,
    raw: bytes,
    channel: str,
    mailbox: Mailbox | None = None,
    source: LeadCaptureSource | None = None,
) -> InboundMessage:
    """Log one arrived message and act on it, once: a second arrival of the same message is
    logged as a duplicate and does nothing. Never raises on what the message holds."""
    mail = parse(raw)
    base = {
        "channel": channel,
        "mailbox": mailbox,
        "message_key": message_key(mail, raw),
        "message_id": mail.message_id,
        "from_address": mail.from_address[:254],
        "subject": mail.subject,
        "body": mail.text[:100_000],
        "size": len(raw),
    }
    with transaction.atomic():
        try:
            with transaction.atomic():
                row = InboundMessage.objects.create(**base, status=InboundStatus.IGNORED)
        except IntegrityError:
            return InboundMessage.objects.create(
                **{**base, "body": ""}, status=InboundStatus.DUPLICATE
            )
        outcome = _stripped(mail, _act(mail, source if mailbox is None else mailbox.source))
        for name in ("status", "reason", "detail", "lead", "activity"):
            if name in outcome:
                setattr(row, name, outcome[name])
        row.save(update_fields=["status", "reason", "detail", "lead", "activity"])
    return row


def inbound_mail_refuse_too_large(
    *, headers: bytes, size: int, channel: str, mailbox: Mailbox | None = None
) -> InboundMessage:
    """Log a message too large to take in (it stays in its mailbox, or the sender is told)."""
    mail = parse(headers)
    return InboundMessage.objects.create(
        channel=channel,
        mailbox=mailbox,
        message_key=message_key(mail, headers),
        message_id=mail.message_id,
        from_address=mail.from_address[:254],
        subject=mail.subject,
        size=size,
        status=InboundStatus.REFUSED,
        reason=InboundReason.TOO_LARGE,
        detail=f"{size / 1048576:.1f} MB > {settings.MAILIN_MAX_MESSAGE_BYTES / 1048576:.1f} MB",
    )

"""Sending a chat delivery exactly once, with retries and backoff (ADR 24, ADR 7's pattern).

A delivery is claimed before anything is sent: one UPDATE moves it from queued or retrying
(and due) to sending. Of two workers flushing the same delivery, or a message the broker hands
out twice, only the one whose UPDATE changed the row sends. The outcome is then recorded: sent;
retrying with a later `next_attempt_at` (1, 2, 4 … minutes, at most an hour) when the vendor
refused or could not be reached; failed after `CHAT_MAX_ATTEMPTS`. The beat job sends what is
due again. A worker that dies between the claim and the answer leaves the delivery in sending;
after `CHAT_SENDING_LEASE_SECONDS` it is marked failed ("interrupted") rather than sent again,
since the vendor may already have shown it (an administrator may retry it from the log).
"""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.db.models import F
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from .choices import CLAIMABLE, VENDOR_OF, DeliveryStatus
from .models import ChatDelivery, ChatIdentity
from .vendors import ChatMessage, VendorError, send

logger = logging.getLogger(__name__)


def max_attempts() -> int:
    return int(getattr(settings, "CHAT_MAX_ATTEMPTS", 5))


def backoff(attempts: int) -> dt.timedelta:
    """How long after the `attempts`-th failed attempt the next one is due."""
    return dt.timedelta(seconds=min(60 * 2 ** max(attempts - 1, 0), 3600))


def _claim(pk: int, now) -> bool:
    return bool(
        ChatDelivery.objects.filter(pk=pk, status__in=CLAIMABLE, next_attempt_at__lte=now).update(
            status=DeliveryStatus.SENDING, claimed_at=now, attempts=F("attempts") + 1
        )
    )


def compose(delivery: ChatDelivery) -> ChatMessage:
    """The message for the delivery's recipient, in their language, with the link back to the
    record, or a single-use decision link when a decision of theirs is waiting."""
    from .actions import action_url_for

    notification = delivery.notification
    user = notification.recipient
    site = settings.SITE_URL.rstrip("/")
    identity = ChatIdentity.objects.filter(
        user=user, vendor=VENDOR_OF[delivery.channel.kind]
    ).first()
    with translation.override(user.language or settings.LANGUAGE_CODE):
        action = action_url_for(notification)
        record = f"{site}{notification.url}" if notification.url else site + "/"
        lines = [notification.display_body or ""]
        if action:
            lines.append(_("Open the record: %(link)s") % {"link": record})
        return ChatMessage(
            title=str(notification.display_title),
            text="\n\n".join(line for line in lines if line) or str(notification.display_title),
            url=action or record,
            button=_("Decide now") if action else _("Open in the CRM"),
            to=identity.external_id if identity else "",
        )


def delivery_send(pk: int, *, now=None) -> str:
    """Send one delivery if it can be claimed now; its status afterwards ("" if not claimed)."""
    now = now or timezone.now()
    if not _claim(pk, now):
        return ""
    delivery = ChatDelivery.objects.select_related("channel", "notification__recipient").get(pk=pk)
    try:
        send(delivery.channel, compose(delivery))
    except VendorError as exc:
        final = delivery.attempts >= max_attempts()
        ChatDelivery.objects.filter(pk=pk).update(
            status=DeliveryStatus.FAILED if final else DeliveryStatus.RETRYING,
            next_attempt_at=now + backoff(delivery.attempts),
            errcode=exc.code[:40],
            errmsg=exc.message,
        )
        logger.warning("chat delivery %s: %s", pk, exc)
        return DeliveryStatus.FAILED if final else DeliveryStatus.RETRYING
    except Exception as exc:  # our own fault composing: recorded, retried, never lost
        logger.exception("chat delivery %s could not be composed", pk)
        ChatDelivery.objects.filter(pk=pk).update(
            status=DeliveryStatus.RETRYING,
            next_attempt_at=now + backoff(delivery.attempts),
            errcode="error",
            errmsg=f"{type(exc).__name__}: {exc}"[:500],
        )
        return DeliveryStatus.RETRYING
    ChatDelivery.objects.filter(pk=pk).update(
        status=DeliveryStatus.SENT, sent_at=timezone.now(), errcode="", errmsg=""
    )
    return DeliveryStatus.SENT


def deliveries_send_due(*, now=None, batch: int = 200) -> int:
    """Send every delivery due now (queued or retrying); mark the interrupted ones failed.
    How many were sent."""
    now = now or timezone.now()
    lease = dt.timedelta(seconds=int(getattr(settings, "CHAT_SENDING_LEASE_SECONDS", 600)))
    ChatDelivery.objects.filter(status=DeliveryStatus.SENDING, claimed_at__lt=now - lease).update(
        status=DeliveryStatus.FAILED,
        errcode="interrupted",
        errmsg="the sender stopped mid-send; not sent again in case the vendor showed it",
    )
    due = ChatDelivery.objects.filter(status__in=CLAIMABLE, next_attempt_at__lte=now)
    ids = list(due.order_by("next_attempt_at").values_list("pk", flat=True)[:batch])
    return sum(delivery_send(pk, now=now) == DeliveryStatus.SENT for pk in ids)


def delivery_retry(*, delivery: ChatDelivery, by) -> ChatDelivery:
    """An administrator sends a failed delivery again (a new round of attempts)."""
    from django.db import transaction

    from core.audit import audit_record
    from core.errors import Conflict
    from core.jobs import enqueue

    with transaction.atomic():
        changed = ChatDelivery.objects.filter(pk=delivery.pk, status=DeliveryStatus.FAILED).update(
            status=DeliveryStatus.QUEUED, attempts=0, next_attempt_at=timezone.now()
        )
        if not changed:
            raise Conflict(
                _("Only a failed delivery can be sent again."), code="chat_delivery_not_failed"
            )
        audit_record(
            target=delivery.channel,
            action="updated",
            actor=by,
            changes={"delivery": delivery.pk, "status": ["failed", "queued"]},
        )
        enqueue("messaging.tasks.send_chat_deliveries", [delivery.pk])
    delivery.refresh_from_db()
    return delivery

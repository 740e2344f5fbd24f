"""Webhooks: publish business events to subscribed systems, signed, retried, logged.

An event is published inside the transaction that made the change (a listener of
`core.hooks`), as one WebhookEvent row and one WebhookDelivery row per subscription whose user
may see the record; each delivery is sent by a Celery task after commit. A failed attempt is
retried with exponential backoff (`RETRY_BASE_SECONDS` × 2^n) up to `MAX_ATTEMPTS`, then the
delivery is marked failed; an administrator may replay any delivery.

Signature: header `X-LTC-Signature: t=<unix time>,v1=<hex>` where `<hex>` is
HMAC-SHA256(secret, "<t>.<body>"). A receiver recomputes it and rejects old timestamps.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import time
import urllib.error
import urllib.request
import uuid

from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core import policy
from core.audit import audit_record
from core.errors import ValidationFailed
from core.jobs import enqueue

from .models import DeliveryState, WebhookDelivery, WebhookEvent, WebhookSubscription

# Named, not imported: the task calls back into this module to send (core.jobs.enqueue).
DELIVER_TASK = "integrations.tasks.deliver_webhook"

EVENTS = {
    "lead.converted": gettext_lazy("A lead was converted into an opportunity"),
    "opportunity.stage_changed": gettext_lazy("An opportunity moved to another stage"),
    "gate.decided": gettext_lazy("A gate review (ATI/ATB/ATC) was decided"),
    "contract.signed": gettext_lazy("A contract was signed"),
    "contract.changed": gettext_lazy("A contract was amended"),
    "milestone.due": gettext_lazy("A payment milestone is due today"),
    "milestone.overdue": gettext_lazy("A payment milestone is overdue"),
    "receipt.recorded": gettext_lazy("A receipt was recorded"),
}
MAX_ATTEMPTS = 6
RETRY_BASE_SECONDS = 30
TIMEOUT_SECONDS = 10
SIGNATURE_HEADER = "X-LTC-Signature"


def ref(obj: models.Model | None) -> dict | None:
    """A record as a webhook names it: type, id, and its number and state where it has them."""
    if obj is None:
        return None
    found = {"type": obj._meta.label_lower, "id": obj.pk}
    for name in ("number", "state"):
        value = getattr(obj, name, None)
        if value is not None:
            found[name] = value
    return found


def sign(secret: str, timestamp: int, body: bytes) -> str:
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


# --- Subscriptions ------------------------------------------------------------------------------


def _check_events(events) -> None:
    if not isinstance(events, list) or not events or not set(events) <= set(EVENTS):
        raise ValidationFailed(
            _("Choose events from the list."),
            fields={"events": [_("Choose one or more of: %s.") % ", ".join(EVENTS)]},
        )


def subscription_create(*, name: str, url: str, events: list[str], user, by) -> WebhookSubscription:
    """Subscribe `url` to `events`, on behalf of `user` (what it may see is what it is sent)."""
    _check_events(events)
    with transaction.atomic():
        subscription = WebhookSubscription.objects.create(
            name=name,
            url=url,
            events=sorted(set(events)),
            user=user,
            secret=secrets.token_hex(32),
        )
        audit_record(target=subscription, action="created", actor=by)
    return subscription


def subscription_update(*, subscription: WebhookSubscription, data: dict, by):
    """Change a subscription's name, URL, events or active flag."""
    if "events" in data:
        _check_events(data["events"])
        data = {**data, "events": sorted(set(data["events"]))}
    with transaction.atomic():
        changes = {}
        for field, value in data.items():
            if getattr(subscription, field) != value:
                changes[field] = [getattr(subscription, field), value]
                setattr(subscription, field, value)
        subscription.save()
        audit_record(target=subscription, action="updated", actor=by, changes=changes)
    return subscription


# --- Publishing ---------------------------------------------------------------------------------


def publish(
    name: str, subject: models.Model, data: dict, *, dedupe_key: str | None = None
) -> WebhookEvent | None:
    """Record event `name` about `subject` and queue it to every subscription whose user may
    see `subject`. Call inside the transaction that made the change; sends after commit.
    Returns None when nobody is subscribed (or the dedupe key was published before)."""
    subscriptions = [
        s
        for s in WebhookSubscription.objects.filter(is_active=True).select_related("user")
        if name in s.events and policy.can(s.user, subject, "view")
    ]
    if not subscriptions:
        return None
    payload = {
        "id": str(uuid.uuid4()),
        "event": name,
        "created_at": timezone.now().isoformat(),
        "data": json.loads(json.dumps(data, cls=DjangoJSONEncoder)),
    }
    with transaction.atomic():
        if dedupe_key and WebhookEvent.objects.filter(dedupe_key=dedupe_key).exists():
            return None
        try:
            with transaction.atomic():
                event = WebhookEvent.objects.create(
                    name=name, payload=payload, dedupe_key=dedupe_key
                )
        except IntegrityError:  # a concurrent run published this dedupe key a moment ago
            if dedupe_key and WebhookEvent.objects.filter(dedupe_key=dedupe_key).exists():
                return None
            raise
        deliveries = WebhookDelivery.objects.bulk_create(
            [WebhookDelivery(event=event, subscription=s) for s in subscriptions]
        )
    for delivery in deliveries:
        enqueue(DELIVER_TASK, delivery.pk)
    return event


def delivery_replay(*, delivery: WebhookDelivery, by) -> WebhookDelivery:
    """Send a delivery's event to its subscription again, as a new delivery in the log."""
    with transaction.atomic():
        replay = WebhookDelivery.objects.create(
            event=delivery.event, subscription=delivery.subscription, replay_of=delivery
        )
        audit_record(
            target=delivery.subscription,
            action="webhook.replayed",
            actor=by,
            changes={"delivery": delivery.pk, "replay": replay.pk},
        )
    enqueue(DELIVER_TASK, replay.pk)
    return replay


# --- Sending ------------------------------------------------------------------------------------


def _post(url: str, body: bytes, headers: dict) -> int:
    """POST the body; the HTTP status (an error status is a status, not an exception)."""
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:  # noqa: S310
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code


def attempt(delivery_id: int) -> int | None:
    """One attempt at a delivery. Returns the seconds to wait before retrying, or None when
    done (delivered, failed for good, or already delivered by an earlier run)."""
    delivery = WebhookDelivery.objects.select_related("event", "subscription").get(pk=delivery_id)
    if delivery.state != DeliveryState.PENDING:
        return None
    subscription = delivery.subscription
    body = json.dumps(delivery.event.payload, separators=(",", ":")).encode()
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "LTC-CRM-Webhooks/1",
        "X-LTC-Event": delivery.event.name,
        "X-LTC-Delivery": str(delivery.pk),
        SIGNATURE_HEADER: sign(subscription.secret, int(time.time()), body),
    }
    status, error = None, ""
    try:
        status = _post(subscription.url, body, headers)
    except (OSError, ValueError) as exc:  # refused, timed out, DNS, bad URL
        error = f"{type(exc).__name__}: {exc}"[:1000]
    ok = status is not None and 200 <= status < 300
    attempts = delivery.attempts + 1
    retry_in = None
    if not ok and attempts < MAX_ATTEMPTS and subscription.is_active:
        retry_in = RETRY_BASE_SECONDS * 2 ** (attempts - 1)
    if ok:
        state = DeliveryState.DELIVERED
    else:
        state = DeliveryState.PENDING if retry_in else DeliveryState.FAILED
    entry = {"at": timezone.now().isoformat(), "status": status, "error": error}
    if retry_in:
        entry["retry_in"] = retry_in
    last_error = error or ("" if ok else f"HTTP {status}")
    with transaction.atomic():
        # Compare-and-set on the state and the attempt count read: of two racing runs of the
        # same attempt, one records it and the other stops.
        recorded = WebhookDelivery.moves.move(
            delivery,
            state,
            source=DeliveryState.PENDING,
            when={"attempts": delivery.attempts},
            attempts=attempts,
            last_status=status,
            last_error=last_error,
            log=[*delivery.log, entry],
            delivered_at=timezone.now() if ok else None,
        )
        if not recorded:
            return None
        if state == DeliveryState.FAILED:
            audit_record(
                target=subscription,
                action="webhook.delivery_failed",
                from_state=DeliveryState.PENDING,
                to_state=DeliveryState.FAILED,
                comment=last_error,
                changes={
                    "delivery": delivery.pk,
                    "event": delivery.event.name,
                    "attempts": attempts,
                    "is_active": subscription.is_active,
                },
            )
    return retry_in

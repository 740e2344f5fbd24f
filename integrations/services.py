"""Writes of the integrations: issuing and revoking API keys, webhook subscriptions, publishing
events, replaying and sending deliveries, and the milestone events. The token format is in
`keys.py`, the webhook wire format in `webhooks.py`."""

from __future__ import annotations

import datetime as dt
import json
import secrets
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass

from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.audit import audit_record
from core.errors import Conflict, ValidationFailed
from core.jobs import enqueue
from receivables.choices import ReminderKind
from receivables.models import MilestoneReminder

from .keys import hash_secret, token_for
from .models import (
    ApiKey,
    DeliveryState,
    WebhookDelivery,
    WebhookEvent,
    WebhookSubscription,
    validate_rate,
    validate_scopes,
)
from .selectors import is_subscribed, subscribers
from .webhooks import (
    EVENTS,
    MAX_ATTEMPTS,
    RETRY_BASE_SECONDS,
    SIGNATURE_HEADER,
    TIMEOUT_SECONDS,
    ref,
    sign,
)

# Named, not imported: the task calls back into this module to send (core.jobs.enqueue).
DELIVER_TASK = "integrations.tasks.deliver_webhook"


# --- API keys -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class IssuedKey:
    key: ApiKey
    token: str  # shown once; never stored


def _check(*, scopes, rate_limit) -> None:
    from django.core.exceptions import ValidationError

    problems = {}
    for field, validate, value in (
        ("scopes", validate_scopes, scopes),
        ("rate_limit", validate_rate, rate_limit),
    ):
        try:
            validate(value)
        except ValidationError as exc:
            problems[field] = exc.messages
    if problems:
        raise ValidationFailed(_("Invalid API key."), fields=problems)


def api_key_issue(*, name: str, user, scopes: list[str], rate_limit: str, by) -> IssuedKey:
    """Create an API key acting as `user`; returns the key and its token (shown once)."""
    _check(scopes=scopes, rate_limit=rate_limit)
    if not user.is_active:
        raise ValidationFailed(
            _("The service user is inactive."), fields={"user": [_("The user is inactive.")]}
        )
    prefix, secret = secrets.token_hex(6), secrets.token_urlsafe(32)
    with transaction.atomic():
        key = ApiKey.objects.create(
            name=name,
            prefix=prefix,
            secret_hash=hash_secret(secret),
            user=user,
            scopes=sorted(set(scopes)),
            rate_limit=rate_limit,
            created_by=by,
        )
        audit_record(target=key, action="created", actor=by, changes={"scopes": key.scopes})
    return IssuedKey(key=key, token=token_for(prefix, secret))


def api_key_revoke(*, key: ApiKey, by) -> ApiKey:
    """Revoke a key for good: every later request with it is a 401."""
    with transaction.atomic():
        locked = ApiKey.objects.select_for_update().get(pk=key.pk)
        if locked.revoked_at is not None:
            raise Conflict(_("This API key is already revoked."), code="key_revoked")
        locked.revoked_at = timezone.now()
        locked.save(update_fields=["revoked_at"])
        audit_record(target=locked, action="revoked", actor=by)
    return locked


def api_key_mark_used(key: ApiKey, *, now: dt.datetime) -> None:
    """Note when a key was last used, at most once a minute (not audited: nothing changed)."""
    if key.last_used_at is None or (now - key.last_used_at).total_seconds() > 60:
        ApiKey.objects.filter(pk=key.pk).update(last_used_at=now)


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
    subscriptions = subscribers(name, subject)
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


def delivery_attempt(delivery_id: int) -> int | None:
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


# --- Milestone events ---------------------------------------------------------------------------
#
# milestone.due and milestone.overdue are published from the collections reminder ladder. When
# a payment milestone counts as due today or overdue is the ladder's rule
# (receivables.reminders): its daily scan claims a MilestoneReminder row per (milestone, step),
# exactly once. A periodic task publishes each "due" and "overdue_1" claim of the last days as
# one event (the claim's id is the event's dedupe key), so each milestone is announced once per
# step, however often the task runs.

MILESTONE_STEPS = {
    ReminderKind.DUE.value: "milestone.due",
    ReminderKind.OVERDUE_1.value: "milestone.overdue",
}
MILESTONE_LOOK_BACK_DAYS = 3


def publish_milestone_events(*, today: dt.date | None = None) -> int:
    """Publish the due/overdue steps claimed in the last days not published yet; how many."""
    today = today or timezone.localdate()
    wanted = {step: event for step, event in MILESTONE_STEPS.items() if is_subscribed(event)}
    if not wanted:
        return 0
    claims = list(
        MilestoneReminder.objects.filter(
            kind__in=list(wanted), sent_on__gte=today - dt.timedelta(days=MILESTONE_LOOK_BACK_DAYS)
        ).select_related("milestone__contract__customer")
    )
    keys = {claim.pk: f"{wanted[claim.kind]}:{claim.pk}" for claim in claims}
    done = set(
        WebhookEvent.objects.filter(dedupe_key__in=list(keys.values())).values_list(
            "dedupe_key", flat=True
        )
    )
    published = 0
    for claim in claims:
        if keys[claim.pk] in done:
            continue
        milestone = claim.milestone
        event = publish(
            wanted[claim.kind],
            milestone,
            {
                "milestone": {**ref(milestone), "name": milestone.name},
                "contract": ref(milestone.contract),
                "customer": ref(milestone.contract.customer),
                "amount": milestone.amount,
                "outstanding": milestone.outstanding,
                "currency": milestone.currency,
                "due_date": milestone.due_date,
                "days_overdue": (today - milestone.due_date).days,
            },
            dedupe_key=keys[claim.pk],
        )
        published += event is not None
    return published

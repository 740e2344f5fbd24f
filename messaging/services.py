"""Writes of the chat channels: the company's channels, who is who in each chat app, each
person's choices, and the fan-out of a new notification to the channels it goes to (ADR 24).
Sending is `sending.py`; deciding from a message is `actions.py`."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from core.audit import audit_record
from core.errors import ValidationFailed
from core.jobs import enqueue
from core.models import Notification
from core.notifications import is_urgent

from .choices import PERSONAL_KINDS, VENDOR_OF, Vendor
from .models import ChannelPreference, ChatChannel, ChatDelivery, ChatIdentity

CHANNEL_FIELDS = ("name", "enabled", "endpoint", "secret", "app_id", "agent_id")
SECRET_FIELDS = frozenset({"secret"})


def _changes(obj, data: dict) -> dict:
    changes = {}
    for field, value in data.items():
        before = getattr(obj, field)
        if before != value:
            shown = ["***", "***"] if field in SECRET_FIELDS else [before, value]
            changes[field] = shown
            setattr(obj, field, value)
    return changes


def channel_create(*, by, kind: str, **data) -> ChatChannel:
    """Configure the company's channel of `kind` (one per kind: a second is a 400)."""
    with transaction.atomic():
        try:
            with transaction.atomic():
                channel = ChatChannel.objects.create(kind=kind, **data)
        except IntegrityError as exc:  # the kind is unique in the database
            raise ValidationFailed(
                _("This chat channel is configured already; change it instead."),
                fields={"kind": [_("Configured already.")]},
            ) from exc
        audit_record(target=channel, action="created", actor=by, changes={"kind": kind})
    return channel


def channel_update(*, channel: ChatChannel, by, data: dict) -> ChatChannel:
    """Change a channel; a blank secret keeps the one stored (it is never shown to re-type)."""
    data = {k: v for k, v in data.items() if k in CHANNEL_FIELDS}
    if not data.get("secret", "x"):
        data.pop("secret")
    with transaction.atomic():
        changes = _changes(channel, data)
        channel.save()
        audit_record(target=channel, action="updated", actor=by, changes=changes)
    return channel


def identity_set(*, user, vendor: str, external_id: str, by) -> ChatIdentity | None:
    """Say who `user` is in `vendor`'s app (a blank id removes it). An id someone else holds
    is a 400 naming it."""
    external_id = (external_id or "").strip()
    with transaction.atomic():
        current = ChatIdentity.objects.filter(user=user, vendor=vendor).first()
        if not external_id:
            if current is not None:
                audit_record(
                    target=user,
                    action="updated",
                    actor=by,
                    changes={vendor: [current.external_id, ""]},
                )
                current.delete()
            return None
        before = current.external_id if current else ""
        try:
            with transaction.atomic():
                identity, _created = ChatIdentity.objects.update_or_create(
                    user=user, vendor=vendor, defaults={"external_id": external_id}
                )
        except IntegrityError as exc:
            raise ValidationFailed(
                _("Someone else has this id in the chat app."),
                fields={"external_id": [_("Someone else has this id in the chat app.")]},
            ) from exc
        if before != external_id:
            audit_record(
                target=user, action="updated", actor=by, changes={vendor: [before, external_id]}
            )
    return identity


def identities_import(*, text: str, by) -> int:
    """Lines of `username,vendor,id` (a spreadsheet saved as CSV); all or nothing. How many."""
    users = get_user_model().objects
    rows, errors = [], []
    for number, line in enumerate(text.splitlines(), start=1):
        parts = [p.strip() for p in line.split(",")]
        if not any(parts):
            continue
        if len(parts) != 3 or parts[1] not in Vendor.values:
            errors.append(_("Line %(n)s: write username,vendor,id.") % {"n": number})
            continue
        user = users.filter(username=parts[0]).first()
        if user is None:
            errors.append(
                _("Line %(n)s: nobody is called %(name)s.") % {"n": number, "name": parts[0]}
            )
            continue
        rows.append((user, parts[1], parts[2]))
    if errors:
        raise ValidationFailed(errors[0], fields={"text": errors})
    with transaction.atomic():
        for user, vendor, external_id in rows:
            identity_set(user=user, vendor=vendor, external_id=external_id, by=by)
    return len(rows)


def preference_set(*, user, kind: str, channel: ChatChannel, enabled: bool) -> ChannelPreference:
    """`user`'s choice for notifications of `kind` on `channel` (one row per pair)."""
    preference, _created = ChannelPreference.objects.update_or_create(
        user=user, kind=kind, channel=channel, defaults={"enabled": enabled}
    )
    return preference


def wanted(user, kind: str, channel: ChatChannel, choices: dict) -> bool:
    """Does `user` want `kind` on `channel`? Their choice, else: urgent kinds yes."""
    chosen = choices.get((user.pk, kind, channel.pk))
    return is_urgent(kind) if chosen is None else chosen


def dispatch(rows: list[Notification]) -> list[ChatDelivery]:
    """Queue each new notification on the channels its recipient wants (and can be reached
    on): one delivery per notification and channel, sent after commit (`sending.py`)."""
    channels = list(ChatChannel.objects.filter(enabled=True))
    if not channels or not rows:
        return []
    user_ids = {n.recipient_id for n in rows}
    kinds = {n.kind for n in rows}
    choices = {
        (p.user_id, p.kind, p.channel_id): p.enabled
        for p in ChannelPreference.objects.filter(user_id__in=user_ids, kind__in=kinds)
    }
    known = set(ChatIdentity.objects.filter(user_id__in=user_ids).values_list("user_id", "vendor"))
    made = []
    for n in rows:
        for channel in channels:
            if not wanted(n.recipient, n.kind, channel, choices):
                continue
            if (
                channel.kind in PERSONAL_KINDS
                and (n.recipient_id, VENDOR_OF[channel.kind]) not in known
            ):
                continue
            made.append(ChatDelivery(notification=n, channel=channel))
    made = ChatDelivery.objects.bulk_create(made, ignore_conflicts=True)
    ids = list(ChatDelivery.objects.filter(notification__in=rows).values_list("pk", flat=True))
    if ids:
        enqueue("messaging.tasks.send_chat_deliveries", ids)
    return made

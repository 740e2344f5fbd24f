"""The audit trail: record what happened to a record; read a record's timeline.

`audit_record` is called by services inside the transaction that made the change, so the
trail and the change commit or roll back together.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _

from . import context
from .models import AuditEvent


def _plain(value: Any) -> Any:
    if isinstance(value, models.Model):
        return str(value)
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def snapshot(obj: models.Model, fields: list[str]) -> dict[str, Any]:
    """The audit-friendly values of `fields` on `obj` (foreign keys as their ids)."""
    values = {}
    for name in fields:
        field = obj._meta.get_field(name)
        values[name] = _plain(getattr(obj, field.attname))
    return values


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    """{field: [old, new]} for every field whose value changed."""
    return {
        name: [_plain(before.get(name)), _plain(value)]
        for name, value in after.items()
        if _plain(before.get(name)) != _plain(value)
    }


def _site_language_text(message: dict | list) -> str:
    from django.conf import settings
    from django.utils import translation

    from .messages import render_text

    with translation.override(settings.LANGUAGE_CODE):
        items = message if isinstance(message, list) else [message]
        return "; ".join(render_text(m) for m in items)


def audit_record(
    *,
    target: models.Model,
    action: str,
    actor=None,
    transition: str = "",
    from_state: str = "",
    to_state: str = "",
    comment: str | dict | list = "",
    changes: dict | None = None,
) -> AuditEvent:
    """Append one event to `target`'s audit trail, stamped with the current request's origin.

    A comment the system writes is a message (`core.messages.message(...)`, or a list of them),
    never translated text: it is read in each reader's language."""
    origin = context.current()
    message = comment if isinstance(comment, dict | list) else None
    return AuditEvent.objects.create(
        target_type=ContentType.objects.get_for_model(target, for_concrete_model=False),
        target_id=target.pk,
        actor=actor if actor is not None and actor.is_authenticated else None,
        actor_name=(actor.get_username() if actor is not None and actor.is_authenticated else ""),
        action=action,
        transition=transition,
        from_state=from_state or "",
        to_state=to_state or "",
        comment=_site_language_text(message) if message is not None else (comment or ""),
        comment_message=message or None,
        changes={k: _plain(v) for k, v in (changes or {}).items()},
        ip=origin.ip or None,
        user_agent=(origin.user_agent or "")[:200],
        api_key=(getattr(origin, "api_key", "") or "")[:64],
        via=origin.via or "system",
    )


#: What each audit action reads as on a timeline.
ACTION_LABELS = {
    "created": _("Created"),
    "updated": _("Updated"),
    "deleted": _("Deleted"),
    "transition": _("State changed"),
    "owner.changed": _("Owner changed"),
    "team.changed": _("Iron triangle changed"),
    "gate.opened": _("Gate review opened"),
    "gate.assessed": _("Gate assessment submitted"),
    "gate.escalated": _("Gate escalated"),
    "gate.decided": _("Gate decided"),
    "lead.converted": _("Converted from a lead"),
    "contract.drafted": _("Contract drafted"),
    "payment_plan.set": _("Payment plan set"),
    "receipt.recorded": _("Receipt recorded"),
    "permissions.changed": _("Permissions changed"),
    "job.requested": _("Job run requested"),
    "job.finished": _("Job run finished"),
    "job.failed": _("Job run failed"),
    "approval_chain.defined": _("Approval chain defined"),
    "approval_chain.changed": _("Approval chain changed"),
    "approval.requested": _("Approval requested"),
    "approval.decided": _("Approval step decided"),
    "approval.step_skipped": _("Approval step skipped"),
    "approval.delegated": _("Approval task delegated"),
    "approval.reminded": _("Approval reminder sent"),
    "approval.escalated": _("Approval escalated"),
    "delegation.set": _("Delegation set"),
    "delegation.ended": _("Delegation ended"),
}


#: How much earlier than its record's creation an event may be stamped (clocks of two servers).
CLOCK_SKEW = dt.timedelta(days=1)


def timeline(*targets: models.Model) -> models.QuerySet[AuditEvent]:
    """Every audit event on the given records, newest first, actors loaded in the same query.

    No event on a record is older than the record: where every target knows when it was
    created, the query says so, and PostgreSQL reads only the months since then of the
    partitioned trail (ADR 37) instead of every month's index."""
    q = models.Q(pk__in=[])
    since = []
    for target in targets:
        if target is None or target.pk is None:
            continue
        q |= models.Q(
            target_type=ContentType.objects.get_for_model(target, for_concrete_model=False),
            target_id=target.pk,
        )
        since.append(getattr(target, "created_at", None))
    events = AuditEvent.objects.filter(q)
    if since and all(isinstance(moment, dt.datetime) for moment in since):
        events = events.filter(at__gte=min(since) - CLOCK_SKEW)
    return events.select_related("actor", "target_type")

"""Delegations: while someone is away their approval tasks go to a colleague. A delegation
that would close a loop (A to B while B is delegating to A) is a 400, nothing saved."""

from __future__ import annotations

import datetime as dt

from django.apps import apps
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .. import locks, policy
from ..audit import audit_record
from ..errors import Conflict, Forbidden, ValidationFailed
from .models import Delegation
from .rules import delegation_makes_cycle


def delegation_create(
    *, by, to_user, starts_on: dt.date, ends_on: dt.date, from_user=None
) -> Delegation:
    """`from_user` (oneself unless an administrator names another) is away from `starts_on`
    to `ends_on`: `to_user` takes their approval tasks."""
    from_user = from_user or by
    probe = Delegation(from_user=from_user)
    if not policy.may(by, "approvals.delegate_for", probe):
        raise Forbidden(_("You may only arrange your own stand-in."))
    errors: dict[str, list[str]] = {}
    user_model = apps.get_model("accounts", "User")
    if not isinstance(to_user, user_model) or not to_user.is_active:
        errors["to_user"] = [_("Choose an active colleague.")]
    elif to_user.pk == from_user.pk:
        errors["to_user"] = [_("Choose someone else.")]
    if ends_on < starts_on:
        errors["ends_on"] = [_("The end is before the start.")]
    elif ends_on < timezone.localdate():
        errors["ends_on"] = [_("The end is in the past.")]
    elif (ends_on - starts_on).days > 366:
        errors["ends_on"] = [_("At most a year.")]
    if errors:
        raise ValidationFailed(_("The delegation is not valid."), fields=errors)
    with transaction.atomic():
        locks.hold("approvals.delegation", "all")
        if delegation_makes_cycle(from_user.pk, to_user.pk, starts_on, ends_on):
            raise ValidationFailed(
                _("%(user)s already hands their approvals on to you, directly or through others.")
                % {"user": to_user},
                code="delegation_cycle",
                fields={"to_user": [_("This would make a circle of delegations.")]},
            )
        delegation = Delegation.objects.create(
            from_user=from_user, to_user=to_user, starts_on=starts_on, ends_on=ends_on
        )
        audit_record(
            target=delegation,
            action="delegation.set",
            actor=by,
            changes={
                "before": None,
                "after": {
                    "from_user": str(from_user),
                    "to_user": str(to_user),
                    "starts_on": starts_on.isoformat(),
                    "ends_on": ends_on.isoformat(),
                },
            },
        )
    return delegation


def delegation_end(*, delegation: Delegation, by) -> Delegation:
    """End a delegation now (the tasks already handed on stay with the stand-in)."""
    if not policy.may(by, "approvals.delegate_for", delegation):
        raise Forbidden(_("You may only arrange your own stand-in."))
    with transaction.atomic():
        delegation = Delegation.objects.select_for_update().get(pk=delegation.pk)
        if not delegation.active:
            raise Conflict(_("This delegation has ended already."), code="delegation_ended")
        Delegation.objects.filter(pk=delegation.pk).update(active=False)
        delegation.active = False
        audit_record(
            target=delegation,
            action="delegation.ended",
            actor=by,
            changes={"before": {"active": True}, "after": {"active": False}},
        )
    return delegation

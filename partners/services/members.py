"""The people of a partner who sign in to the partner portal (issue 21.3, ADR 21): added and
deactivated by whoever may change the partner (its partner manager, managers above), audited
on the partner's timeline. A partner user is a `User` with the role "partner" and no org
unit; its partner is compiled onto the user row (`portal_partner`) in the same transaction,
so the access policy knows it without a query."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import User
from core import policy
from core.audit import audit_record
from core.choices import Role
from core.errors import Conflict, Forbidden, ValidationFailed
from core.records import insert_once

from ..models import Partner, PartnerMember

MEMBER_FIELDS = ("username", "first_name", "last_name", "email", "phone")


def _may_manage(by: User, partner: Partner) -> None:
    if not (policy.may(by, "partners.manage", partner) and policy.can(by, partner, "change")):
        raise Forbidden(_("You may not change this record."))


def _refuse_twins(data: dict[str, Any]) -> None:
    errors = {}
    if User.objects.filter(username__iexact=data["username"]).exists():
        errors["username"] = [_("Another user has this username.")]
    if data.get("email") and User.objects.filter(email__iexact=data["email"]).exists():
        errors["email"] = [_("Another user has this e-mail address.")]
    if errors:
        raise ValidationFailed(_("This user clashes with another."), fields=errors)


def member_create(
    *, by: User, partner: Partner, data: dict[str, Any], password: str
) -> PartnerMember:
    """Give a person of `partner` a sign-in to the portal: a new user with the role
    "partner", their partner compiled onto the row. The username and e-mail are unique (a
    400 naming the field, also for the loser of a race)."""
    _may_manage(by, partner)
    data = {k: (data.get(k) or "").strip() for k in MEMBER_FIELDS}
    if not data["username"]:
        raise ValidationFailed(_("Name the user."), fields={"username": [_("Required.")]})
    try:
        validate_password(password or "")
    except ValidationError as error:
        raise ValidationFailed(
            _("Choose another password."), fields={"password": list(error.messages)}
        ) from None
    _refuse_twins(data)

    def create() -> PartnerMember:
        user = User(**data, role=Role.PARTNER, org_unit=None, portal_partner=partner.pk)
        user.set_password(password)
        user.save()
        member = PartnerMember.objects.create(partner=partner, user=user, added_by=by)
        audit_record(
            target=partner,
            action="partner.member_added",
            actor=by,
            changes={"user": user.username},
        )
        return member

    with transaction.atomic():
        return insert_once(create, refuse=lambda: _refuse_twins(data))


def member_deactivate(*, by: User, member: PartnerMember) -> PartnerMember:
    """End a partner user's sign-in: the membership and the user inactive, the partner taken
    off the user row (whatever session or token they hold answers nothing from now on)."""
    with transaction.atomic():
        member = (
            PartnerMember.objects.select_for_update(of=("self",))
            .select_related("partner", "user")
            .get(pk=member.pk)
        )
        _may_manage(by, member.partner)
        if not member.active:
            raise Conflict(_("This partner user is already deactivated."), code="member_inactive")
        member.active = False
        member.save(update_fields=["active", "updated_at"])
        user = member.user
        user.is_active = False
        user.portal_partner = None
        user.save(update_fields=["is_active", "portal_partner"])
        audit_record(
            target=member.partner,
            action="partner.member_deactivated",
            actor=by,
            changes={"user": user.username},
        )
    return member

"""User administration by administrators (issue 17.8, ADR 15)."""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from core import hooks, policy
from core.audit import audit_record, snapshot
from core.errors import Forbidden, ValidationFailed
from core.records import insert_once

from ..models import (
    Customer,
    IronTriangleMember,
    User,
)

# --- user administration (issue 17.8, ADR 15) ---------------------------------------------------

#: The fields an administrator sets on a user through the API (the password separately).
USER_FIELDS = (
    "username",
    "email",
    "first_name",
    "last_name",
    "role",
    "org_unit",
    "title",
    "phone",
    "language",
    "is_active",
)


def _require_admin(by: User) -> None:
    if not policy.may(by, "users.administer"):
        raise Forbidden(_("Only an administrator may manage users."))


def _refuse_user_twins(data: dict[str, Any], *, exclude: int | None = None) -> None:
    """A 400 naming the field when another user has the username or e-mail (any case)."""
    others = User.objects.exclude(pk=exclude) if exclude else User.objects.all()
    errors = {}
    if data.get("username") and others.filter(username__iexact=data["username"]).exists():
        errors["username"] = [_("Another user has this username.")]
    if data.get("email") and others.filter(email__iexact=data["email"]).exists():
        errors["email"] = [_("Another user has this e-mail address.")]
    if errors:
        raise ValidationFailed(_("This user clashes with another."), fields=errors)


def _check_unit(by: User, data: dict[str, Any]) -> None:
    unit = data.get("org_unit")
    if unit is not None and not policy.may_file_under(by, unit):
        raise policy.out_of_scope(User, {"org_unit": [_("You may not place people here.")]})


def user_create(*, by: User, data: dict[str, Any], password: str | None = None) -> User:
    """Create a user (an administrator; an identity system's sync), audited. Username and
    e-mail are unique in the database (case-insensitive e-mail); without a password the user
    cannot sign in with one (single sign-on)."""
    _require_admin(by)
    _check_unit(by, data)
    _refuse_user_twins(data)
    user = User(**{k: v for k, v in data.items() if k in USER_FIELDS})
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()

    def create() -> User:
        user.save()
        audit_record(target=user, action="created", actor=by, changes=snapshot(user, list(data)))
        return user

    with transaction.atomic():
        return insert_once(create, refuse=lambda: _refuse_user_twins(data))


def user_holdings(*, user: User) -> dict[str, int]:
    """What a user holds that someone should take over when they leave: the customers they own
    and their iron-triangle seats here, and what later stages report (`user.holdings`)."""
    holdings = {
        "customers": Customer.objects.filter(owner=user).count(),
        "team_seats": IronTriangleMember.objects.filter(user=user).count(),
    }
    for found in hooks.emit("user.holdings", user=user):
        holdings.update(found or {})
    return {name: count for name, count in holdings.items() if count}


def user_update(*, by: User, user: User, data: dict[str, Any], password: str | None = None) -> User:
    """Change a user (an administrator): move them to another org unit, set their role,
    rename, deactivate or reactivate; audited with before and after. No one is deleted."""
    _require_admin(by)
    _check_unit(by, data)
    _refuse_user_twins(data, exclude=user.pk)
    fields = [k for k in data if k in USER_FIELDS]
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=user.pk)
        before = snapshot(locked, fields)
        for name in fields:
            setattr(locked, name, data[name])
        if password:
            locked.set_password(password)
        after = snapshot(locked, fields)
        changes = {k: [before[k], after[k]] for k in fields if before[k] != after[k]}
        if not changes and not password:
            return locked
        try:
            with transaction.atomic():
                locked.save()
        except IntegrityError:
            _refuse_user_twins(data, exclude=user.pk)
            raise
        if password:
            changes["password"] = ["", _("changed")]
        audit_record(
            target=locked,
            action="user.deactivated" if changes.get("is_active") == [True, False] else "updated",
            actor=by,
            changes=changes,
        )
    return locked


def user_deactivate(*, by: User, user: User) -> tuple[User, dict[str, int]]:
    """Deactivate a user (they can no longer sign in or be given work); returns them and what
    they still hold, for someone to reassign. Allowed even when they hold seats or records:
    a leaver cannot be kept active until everything moved (ADR 15)."""
    if user.pk == by.pk:
        raise ValidationFailed(
            _("You cannot deactivate yourself."), fields={"is_active": [_("Not yourself.")]}
        )
    user = user_update(by=by, user=user, data={"is_active": False})
    return user, user_holdings(user=user)

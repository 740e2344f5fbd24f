"""Roles as permission sets (issue 20.1): define a role, give it to people, take it back.

Administrators define roles and give any configured role anywhere; a sales manager gives the
configured roles to the people of their subtree, in a unit of their subtree, never company-wide.
The built-in roles are read-only descriptions (their behaviour is in code): they are neither
changed nor given here. Every change is audited with before and after, and the holders' compiled
grants (`User.role_grants`, what `core.policy` reads) are rewritten in the same transaction.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from core import permissions, policy
from core.audit import audit_record, diff
from core.choices import RoleScope
from core.errors import Conflict, Forbidden, ValidationFailed
from core.records import insert_once, record_create, record_update

from ..models import OrgUnit, RoleAssignment, RoleDefinition, User

#: What an administrator sets on a role definition.
ROLE_FIELDS = ("code", "name_en", "name_zh", "description", "permissions")


def _require_role_admin(by: User) -> None:
    if not policy.may(by, "roles.administer"):
        raise Forbidden(_("Only an administrator may define roles."))


def _refuse_builtin(role: RoleDefinition) -> None:
    if role.builtin:
        raise Forbidden(
            _("A built-in role is described here, not changed: its rules are in the code."),
            code="role_builtin",
        )


def _clean_permissions(value: Any) -> list[str]:
    """The permission codes as a sorted list without repeats; anything not in the catalogue
    is a 400 naming each unknown code."""
    if not isinstance(value, list | tuple):
        raise ValidationFailed(
            _("The role is not valid."), fields={"permissions": [_("A list of permissions.")]}
        )
    unknown = permissions.unknown(value)
    if unknown:
        raise ValidationFailed(
            _("Unknown permissions: %(codes)s.") % {"codes": ", ".join(unknown[:20])},
            code="unknown_permission",
            fields={"permissions": [_("Unknown: %(code)s.") % {"code": c} for c in unknown[:20]]},
        )
    return sorted(set(value))


def _refuse_code_twin(code: str, *, exclude: int | None = None) -> None:
    others = RoleDefinition.objects.exclude(pk=exclude) if exclude else RoleDefinition.objects
    if code and others.filter(code=code).exists():
        raise ValidationFailed(
            _("Another role has this code."), fields={"code": [_("Another role has this code.")]}
        )


def role_create(*, by: User, data: dict[str, Any]) -> RoleDefinition:
    """Define a role: a code, names in both languages and its permissions (audited)."""
    _require_role_admin(by)
    data = {k: v for k, v in data.items() if k in ROLE_FIELDS}
    data["permissions"] = _clean_permissions(data.get("permissions", []))
    _refuse_code_twin(data.get("code", ""))
    with transaction.atomic():
        return insert_once(
            lambda: record_create(RoleDefinition, by=by, data=data, check_scope=False),
            refuse=lambda: _refuse_code_twin(data.get("code", "")),
        )


def role_update(
    *,
    by: User,
    role: RoleDefinition,
    data: dict[str, Any],
    expected_version: int | None = None,
) -> RoleDefinition:
    """Change a role (audited, before and after); its holders' grants follow at once."""
    _require_role_admin(by)
    _refuse_builtin(role)
    data = {k: v for k, v in data.items() if k in ROLE_FIELDS}
    if "permissions" in data:
        data["permissions"] = _clean_permissions(data["permissions"])
    if "code" in data:
        _refuse_code_twin(data["code"], exclude=role.pk)
    with transaction.atomic():
        role = insert_once(
            lambda: record_update(
                role, by=by, data=data, expected_version=expected_version, check_scope=False
            ),
            refuse=lambda: _refuse_code_twin(data.get("code", ""), exclude=role.pk),
        )
        grants_refresh(users=User.objects.filter(role_assignments__role=role))
    return role


def role_delete(*, by: User, role: RoleDefinition) -> None:
    """Delete a role nobody holds (audited with what it was); one still held is a 409."""
    _require_role_admin(by)
    _refuse_builtin(role)
    with transaction.atomic():
        role = RoleDefinition.objects.select_for_update().get(pk=role.pk)
        if role.assignments.exists():
            raise Conflict(
                _("People still hold this role: take it back from them first."),
                code="role_in_use",
            )
        before = {name: getattr(role, name) for name in ROLE_FIELDS}
        audit_record(target=role, action="role.deleted", actor=by, changes=diff(before, {}))
        role.delete()


# --- Assignments ----------------------------------------------------------------------------


def _held(user: User) -> list[str]:
    """The user's configured roles in words, for the audit's before and after."""
    rows = RoleAssignment.objects.filter(user=user).select_related("role", "org_unit")
    return sorted(f"{a.role.code}@{a.org_unit.code}:{a.scope}" for a in rows)


def _may_assign(by: User, *, user: User, role: RoleDefinition, org_unit: OrgUnit, scope: str):
    """Refuse what `by` may not give: 403 for who may not give roles at all, 400 naming the
    field for a role, unit, person or scope outside theirs."""
    if not policy.may(by, "roles.assign"):
        raise Forbidden(_("Only an administrator or a sales manager may give roles."))
    if role.builtin:
        raise ValidationFailed(
            _("A built-in role is a person's role, set on the user, not given here."),
            code="role_not_assignable",
            fields={"role": [_("A built-in role.")]},
        )
    if scope not in RoleScope.values:
        raise ValidationFailed(_("The role is not valid."), fields={"scope": [_("Unknown.")]})
    if policy.is_admin(by):
        return
    errors = {}
    if not policy.may_file_under(by, org_unit):
        errors["org_unit"] = [_("Not one of your org units.")]
    if not policy.may_assign_to(by, user):
        errors["user"] = [_("Not someone you may give a role to.")]
    if scope == RoleScope.COMPANY:
        errors["scope"] = [_("Only an administrator gives a role company-wide.")]
    if errors:
        raise ValidationFailed(
            _("You may not give this role there."), code=policy.OUT_OF_SCOPE, fields=errors
        )


def _refuse_assignment_twin(*, user: User, role: RoleDefinition, org_unit: OrgUnit) -> None:
    if RoleAssignment.objects.filter(user=user, role=role, org_unit=org_unit).exists():
        raise Conflict(
            _("This person already holds this role in this unit."),
            code="duplicate_role_assignment",
        )


def role_assign(
    *, by: User, user: User, role: RoleDefinition, org_unit: OrgUnit, scope: str
) -> RoleAssignment:
    """Give `user` the configured `role` in `org_unit`, reaching as far as `scope` (audited on
    the user, their roles before and after). Once per person, role and unit (a constraint)."""
    _may_assign(by, user=user, role=role, org_unit=org_unit, scope=scope)
    _refuse_assignment_twin(user=user, role=role, org_unit=org_unit)
    with transaction.atomic():
        # The role's row first (as `role_update` takes it): a change of its permissions either
        # comes before and is compiled here, or after and finds this assignment to rewrite.
        RoleDefinition.objects.select_for_update().filter(pk=role.pk).exists()
        locked = User.objects.select_for_update().get(pk=user.pk)
        before = _held(locked)
        assignment = insert_once(
            lambda: RoleAssignment.objects.create(
                user=locked, role=role, org_unit=org_unit, scope=scope, created_by=by
            ),
            refuse=lambda: _refuse_assignment_twin(user=locked, role=role, org_unit=org_unit),
        )
        grants_refresh(users=[locked])
        audit_record(
            target=locked,
            action="role.assigned",
            actor=by,
            changes={"roles": [before, _held(locked)]},
        )
    user.role_grants = locked.role_grants
    return assignment


def role_assign_by_rule(
    *, user: User, role: RoleDefinition, org_unit: OrgUnit, scope: str, rule: str
) -> bool:
    """Give `user` a configured role because a sign-in mapping rule says so (ADR 25): the
    administrator who wrote the rule decided it, so no one's permission is asked here. Once
    per person, role and unit (the constraint); audited on the user like `role_assign`, naming
    the rule. Answers whether a role was given (False: already held)."""
    if role.builtin:
        return False
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=user.pk)
        if RoleAssignment.objects.filter(user=locked, role=role, org_unit=org_unit).exists():
            return False
        before = _held(locked)
        RoleAssignment.objects.get_or_create(
            user=locked, role=role, org_unit=org_unit, defaults={"scope": scope}
        )
        grants_refresh(users=[locked])
        audit_record(
            target=locked,
            action="role.assigned",
            changes={"roles": [before, _held(locked)]},
            comment=rule,
        )
    user.role_grants = locked.role_grants
    return True


def role_unassign(*, by: User, assignment: RoleAssignment) -> None:
    """Take a configured role back (audited on the user, their roles before and after)."""
    _may_assign(
        by,
        user=assignment.user,
        role=assignment.role,
        org_unit=assignment.org_unit,
        scope=assignment.scope,
    )
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=assignment.user_id)
        before = _held(locked)
        RoleAssignment.objects.filter(pk=assignment.pk).delete()
        grants_refresh(users=[locked])
        audit_record(
            target=locked,
            action="role.unassigned",
            actor=by,
            changes={"roles": [before, _held(locked)]},
        )


def grants_compile(user: User) -> list[dict]:
    """The user's assignments as the access policy reads them (`core.grants`)."""
    rows = RoleAssignment.objects.filter(user=user).select_related("role", "org_unit")
    return [
        {
            "role": a.role.code,
            "permissions": list(a.role.permissions),
            "scope": a.scope,
            "unit": a.org_unit_id,
            "path": a.org_unit.path,
        }
        for a in rows.order_by("pk")
    ]


def grants_refresh(*, users) -> None:
    """Rewrite the compiled grants of `users` (after their assignments or roles changed), each
    under its row lock and read after it, so a concurrent giving or taking back is never
    overwritten with what was true before it."""
    for user in {u.pk: u for u in users}.values():
        User.objects.select_for_update().filter(pk=user.pk).exists()
        user.role_grants = grants_compile(user)
        User.objects.filter(pk=user.pk).update(role_grants=user.role_grants)

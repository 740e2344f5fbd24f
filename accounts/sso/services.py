"""Single sign-on services (ADR 25): find the person a provider or the directory vouches for
(by employee id, then e-mail), provision them when allowed, map their org unit and roles by
the administrator's rules, and write those rules.

Every change to a person is audited on the user ("created" or "updated" with before and
after; configured roles as "role.assigned" naming the rule); every rule change is audited on
the rule.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from core import policy
from core.audit import audit_record, diff, snapshot
from core.choices import IdentitySource
from core.errors import Forbidden
from core.records import record_create, record_update

from ..models import SsoMappingRule, User
from ..services.roles import role_assign_by_rule
from .mapping import mapping_for

#: What a sign-in may change on a person, audited before and after.
USER_FIELDS = [
    *("email", "employee_id", "first_name", "last_name", "org_unit", "role"),
    *("identity_source", "password_sign_in"),
]
#: What an administrator sets on a rule.
RULE_FIELDS = (
    *("claim", "pattern", "org_unit", "role", "grant_role", "grant_scope", "priority"),
    "is_active",
)


#: Why a person whose e-mail or employee id is another account's is not signed in.
CLASH = gettext_noop(
    "Your e-mail or employee id belongs to another account here; ask an administrator."
)


class SsoRefused(Exception):  # noqa: N818 (a refusal, shown to the person as a page)
    """The provider vouched for someone this system will not sign in; `message` says why in
    the person's language."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass
class Identity:
    """Who a provider or the directory says a person is, and every claim the rules may read."""

    source: str
    username: str = ""
    email: str = ""
    employee_id: str = ""
    first_name: str = ""
    last_name: str = ""
    claims: dict[str, Any] = field(default_factory=dict)


def _text(value: Any, limit: int) -> str:
    if isinstance(value, list | tuple):
        value = value[0] if value else ""
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    return str(value or "").strip()[:limit]


def identity_from_claims(claims: dict[str, Any], *, source: str) -> Identity:
    """An identity from OpenID Connect claims (the ID token's and the userinfo answer's)."""
    employee_id = _text(claims.get(settings.OIDC_EMPLOYEE_ID_CLAIM), 64)
    email = _text(claims.get("email"), 254)
    return Identity(
        source=source,
        username=_text(claims.get("preferred_username"), 150) or email.split("@")[0],
        email=email,
        employee_id=employee_id,
        first_name=_text(claims.get("given_name"), 150),
        last_name=_text(claims.get("family_name"), 150),
        claims={**claims, "employee_id": employee_id, "email": email},
    )


def sso_user_find(identity: Identity) -> User | None:
    """The person with this employee id, else with this e-mail (any case)."""
    if identity.employee_id:
        user = User.objects.filter(employee_id=identity.employee_id).first()
        if user is not None:
            return user
    if identity.email:
        return User.objects.filter(email__iexact=identity.email).first()
    return None


def _usernames(identity: Identity) -> list[str]:
    base = re.sub(r"[^\w.@+-]", "", identity.username)[:140] or "sso"
    digest = hashlib.sha256(f"{identity.email}|{identity.employee_id}".encode()).hexdigest()
    return [base, *(f"{base}-{n}" for n in range(2, 5)), f"{base}-{digest[:8]}"]


def _user_create(identity: Identity) -> tuple[User, bool]:
    """A new person for `identity` (no password here). The database keeps usernames, e-mails
    and employee ids unique: a twin made meanwhile is found and answered instead."""
    for username in _usernames(identity):
        user = User(
            username=username,
            email=identity.email,
            employee_id=identity.employee_id,
            first_name=identity.first_name,
            last_name=identity.last_name,
            identity_source=identity.source,
        )
        user.set_unusable_password()
        try:
            with transaction.atomic():
                user.save()
            return user, True
        except IntegrityError:
            twin = sso_user_find(identity)
            if twin is not None:
                return twin, False
    raise SsoRefused(_("No account could be made for you here; ask an administrator."))


def sso_sign_in(identity: Identity) -> User:
    """The person to sign in for `identity`: found, or provisioned when `SSO_CREATE_USERS` is
    on; then mapped by the rules (`sso_user_map`). An identity with neither an e-mail nor an
    employee id, or an unknown one with provisioning off, is refused (`SsoRefused`)."""
    if not identity.email and not identity.employee_id:
        raise SsoRefused(
            _("The sign-in provider did not say who you are (no e-mail or employee id).")
        )
    user, created = sso_user_find(identity), False
    if user is None:
        if not settings.SSO_CREATE_USERS:
            raise SsoRefused(
                _(
                    "%(who)s has no account here yet. Ask an administrator to add you "
                    "(with this e-mail or employee id), then sign in again."
                )
                % {"who": identity.email or identity.employee_id}
            )
        user, created = _user_create(identity)
    return sso_user_map(user=user, identity=identity, created=created)


def sso_user_map(*, user: User, identity: Identity, created: bool) -> User:
    """Apply the rules to `user` for `identity`: the org unit and built-in role the first
    matching rules set, every configured role they give (in the rule's unit, else the
    person's); fill e-mail, employee id and names where empty; record where the person signs
    in from and, with `SSO_PASSWORDS_OFF`, switch this app's password off. Audited."""
    mapping = mapping_for(identity.claims)
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=user.pk)
        before = snapshot(locked, USER_FIELDS)
        if mapping.org_unit is not None:
            locked.org_unit = mapping.org_unit
        if mapping.role and not locked.is_superuser:
            locked.role = mapping.role
        for name in ("email", "employee_id", "first_name", "last_name"):
            if not getattr(locked, name) and getattr(identity, name):
                setattr(locked, name, getattr(identity, name))
        locked.identity_source = identity.source
        if settings.SSO_PASSWORDS_OFF or identity.source == IdentitySource.LDAP:
            # Switched off, the password is dropped too: no hash of it is kept here.
            locked.password_sign_in = False
            locked.set_unusable_password()
        try:
            with transaction.atomic():
                locked.save()
        except IntegrityError:
            raise SsoRefused(_(CLASH)) from None
        after = snapshot(locked, USER_FIELDS)
        if created:
            audit_record(target=locked, action="created", changes=diff({}, after))
        elif diff(before, after):
            audit_record(target=locked, action="updated", changes=diff(before, after))
        for grant in mapping.grants:
            unit = grant.org_unit or locked.org_unit
            if unit is not None:
                role_assign_by_rule(
                    user=locked, role=grant.role, org_unit=unit, scope=grant.scope, rule=grant.rule
                )
    locked.refresh_from_db()
    return locked


# --- The rules ------------------------------------------------------------------------------


def _require_admin(by: User) -> None:
    if not policy.may(by, "sso.administer"):
        raise Forbidden(_("Only an administrator may change the sign-in mapping rules."))


def sso_rule_create(*, by: User, data: dict[str, Any]) -> SsoMappingRule:
    """Add a sign-in mapping rule (audited)."""
    _require_admin(by)
    data = {k: v for k, v in data.items() if k in RULE_FIELDS}
    return record_create(SsoMappingRule, by=by, data=data, check_scope=False)


def sso_rule_update(
    *, by: User, rule: SsoMappingRule, data: dict[str, Any], expected_version: int | None = None
) -> SsoMappingRule:
    """Change a rule (audited with before and after)."""
    _require_admin(by)
    data = {k: v for k, v in data.items() if k in RULE_FIELDS}
    return record_update(
        rule, by=by, data=data, expected_version=expected_version, check_scope=False
    )


def sso_rule_delete(*, by: User, rule: SsoMappingRule) -> None:
    """Delete a rule (audited with what it was)."""
    _require_admin(by)
    with transaction.atomic():
        audit_record(
            target=rule,
            action="sso_rule.deleted",
            actor=by,
            changes={k: [v, None] for k, v in snapshot(rule, list(RULE_FIELDS)).items()},
        )
        rule.delete()

"""LDAP / Active Directory sign-in (ADR 25) with django-auth-ldap, for companies without an
OpenID Connect provider: the person types their directory username and password on the
normal sign-in page; the directory checks the password (never stored here), and the person
is found by employee id, e-mail or username, provisioned when `SSO_CREATE_USERS` is on, and
mapped by the same rules as OpenID Connect, their directory groups read as the `groups`
claim (group names) and `group_dns` (distinguished names).

Needs python-ldap (`pip install ".[ldap]"`, built against Debian's libldap2-dev and
libsasl2-dev); it is loaded only when `AUTH_LDAP_SERVER_URI` is set.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.db import IntegrityError
from django_auth_ldap.backend import LDAPBackend

from core.choices import IdentitySource

from .services import Identity, SsoRefused, sso_user_find, sso_user_map

logger = logging.getLogger(__name__)


def _first(attrs, name: str) -> str:
    values = attrs.get(name) if attrs and name else None
    return str(values[0]).strip() if values else ""


def identity_from_ldap(ldap_user, username: str) -> Identity:
    """The directory entry and its groups as an identity and claims."""
    attrs = ldap_user.attrs or {}
    attr_map = settings.AUTH_LDAP_USER_ATTR_MAP
    try:
        groups, group_dns = sorted(ldap_user.group_names), sorted(ldap_user.group_dns)
    except Exception:  # no group search configured, or the directory refused it
        logger.info("no LDAP groups read for %s", username, exc_info=True)
        groups, group_dns = [], []
    identity = Identity(
        source=IdentitySource.LDAP,
        username=username,
        email=_first(attrs, attr_map.get("email", "mail")),
        employee_id=_first(attrs, settings.AUTH_LDAP_EMPLOYEE_ID_ATTR)[:64],
        first_name=_first(attrs, attr_map.get("first_name", "givenName")),
        last_name=_first(attrs, attr_map.get("last_name", "sn")),
    )
    claims = {name: list(values) for name, values in dict(attrs).items()}
    identity.claims = {
        **claims,
        "username": username,
        "email": identity.email,
        "employee_id": identity.employee_id,
        "groups": groups,
        "group_dns": group_dns,
    }
    return identity


class LdapBackend(LDAPBackend):
    """django-auth-ldap's backend, finding people the way OpenID Connect does."""

    def get_or_build_user(self, username, ldap_user):
        identity = identity_from_ldap(ldap_user, username)
        user = (
            sso_user_find(identity)
            or self.get_user_model().objects.filter(username__iexact=username).first()
        )
        ldap_user.ltc_identity, ldap_user.ltc_built = identity, user is None
        if user is not None:
            return user, False
        if not settings.SSO_CREATE_USERS:
            raise ldap_user.AuthenticationFailed("unknown here, and provisioning is off")
        return self.get_user_model()(username=username), True

    def authenticate_ldap_user(self, ldap_user, password):
        try:
            user = super().authenticate_ldap_user(ldap_user, password)
        except IntegrityError:  # the entry's e-mail is another person's here
            logger.warning("LDAP sign-in of %s clashes with another account", ldap_user.dn)
            return None
        identity = getattr(ldap_user, "ltc_identity", None)
        if user is None or identity is None:
            return None
        try:
            return sso_user_map(user=user, identity=identity, created=ldap_user.ltc_built)
        except SsoRefused:
            return None

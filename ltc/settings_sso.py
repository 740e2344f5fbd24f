"""Single sign-on settings (ADR 25; README "Single sign-on"), read from the environment and
imported by ltc/settings.py, which adds the LDAP backend when a directory is configured."""

import os

from .env import env_bool

# --- Single sign-on (ADR 25; README "Single sign-on") -----------------------------------------
# OpenID Connect (mozilla-django-oidc): a client registered at the provider, and the provider's
# endpoints one by one or its discovery document.
OIDC_RP_CLIENT_ID = os.environ.get("OIDC_RP_CLIENT_ID", "")
OIDC_RP_CLIENT_SECRET = os.environ.get("OIDC_RP_CLIENT_SECRET", "")
OIDC_OP_DISCOVERY_URL = os.environ.get("OIDC_OP_DISCOVERY_URL", "")
OIDC_OP_AUTHORIZATION_ENDPOINT = os.environ.get("OIDC_OP_AUTHORIZATION_ENDPOINT", "")
OIDC_OP_TOKEN_ENDPOINT = os.environ.get("OIDC_OP_TOKEN_ENDPOINT", "")
OIDC_OP_USER_ENDPOINT = os.environ.get("OIDC_OP_USER_ENDPOINT", "")
OIDC_OP_JWKS_ENDPOINT = os.environ.get("OIDC_OP_JWKS_ENDPOINT", "")
OIDC_RP_SIGN_ALGO = os.environ.get("OIDC_RP_SIGN_ALGO", "RS256")
OIDC_RP_SCOPES = os.environ.get("OIDC_RP_SCOPES", "openid email profile")
OIDC_PROVIDER_NAME = os.environ.get("OIDC_PROVIDER_NAME", "")
OIDC_EMPLOYEE_ID_CLAIM = os.environ.get("OIDC_EMPLOYEE_ID_CLAIM", "employee_id")
OIDC_AUTHENTICATION_CALLBACK_URL = "sso-oidc-callback"
OIDC_TIMEOUT = int(os.environ.get("OIDC_TIMEOUT", "10"))  # seconds, each call to the provider
OIDC_USE_PKCE = True
# Someone the provider or the directory vouches for but nobody here knows is added (on) or
# refused with a page saying so (off); people who signed in that way lose their password here.
SSO_CREATE_USERS = env_bool("SSO_CREATE_USERS", True)
SSO_PASSWORDS_OFF = env_bool("SSO_PASSWORDS_OFF", True)
# LDAP / Active Directory (django-auth-ldap, `pip install ".[ldap]"`): on when a server is set.
AUTH_LDAP_SERVER_URI = os.environ.get("AUTH_LDAP_SERVER_URI", "")
AUTH_LDAP_EMPLOYEE_ID_ATTR = os.environ.get("AUTH_LDAP_EMPLOYEE_ID_ATTR", "employeeNumber")
AUTH_LDAP_USER_ATTR_MAP = {"first_name": "givenName", "last_name": "sn", "email": "mail"}
if AUTH_LDAP_SERVER_URI:
    from django_auth_ldap.config import (
        ActiveDirectoryGroupType,
        GroupOfNamesType,
        LDAPSearch,
        PosixGroupType,
    )

    AUTH_LDAP_BIND_DN = os.environ.get("AUTH_LDAP_BIND_DN", "")
    AUTH_LDAP_BIND_PASSWORD = os.environ.get("AUTH_LDAP_BIND_PASSWORD", "")
    AUTH_LDAP_START_TLS = env_bool("AUTH_LDAP_START_TLS", False)
    AUTH_LDAP_USER_SEARCH = LDAPSearch(
        os.environ.get("AUTH_LDAP_USER_SEARCH_BASE", ""),
        2,  # ldap.SCOPE_SUBTREE
        os.environ.get("AUTH_LDAP_USER_FILTER", "(uid=%(user)s)"),
    )
    if os.environ.get("AUTH_LDAP_GROUP_SEARCH_BASE"):
        AUTH_LDAP_GROUP_SEARCH = LDAPSearch(
            os.environ["AUTH_LDAP_GROUP_SEARCH_BASE"],
            2,
            os.environ.get("AUTH_LDAP_GROUP_FILTER", "(objectClass=*)"),
        )
        AUTH_LDAP_GROUP_TYPE = {
            "groupOfNames": GroupOfNamesType,
            "activeDirectory": ActiveDirectoryGroupType,
            "posixGroup": PosixGroupType,
        }[os.environ.get("AUTH_LDAP_GROUP_TYPE", "groupOfNames")]()

"""The OpenID Connect provider this company signs in with, from the settings (ADR 25).

Endpoints are set one by one (`OIDC_OP_AUTHORIZATION_ENDPOINT`, ...) or read from the
provider's discovery document (`OIDC_OP_DISCOVERY_URL`, `.well-known/openid-configuration`),
fetched when first needed and kept in the cache for an hour; an endpoint set explicitly wins.
"""

from __future__ import annotations

from dataclasses import dataclass

import requests
from django.conf import settings
from django.core.cache import cache

DISCOVERY_TTL = 3600


@dataclass(frozen=True)
class Provider:
    name: str
    authorization_endpoint: str
    token_endpoint: str
    userinfo_endpoint: str
    jwks_uri: str


def oidc_configured() -> bool:
    """Whether single sign-on by OpenID Connect is set up (a client id and where to find the
    provider): the sign-in page then shows its button."""
    return bool(
        settings.OIDC_RP_CLIENT_ID
        and (settings.OIDC_OP_DISCOVERY_URL or settings.OIDC_OP_AUTHORIZATION_ENDPOINT)
    )


def provider_name() -> str:
    return settings.OIDC_PROVIDER_NAME or "OpenID Connect"


def _discovered() -> dict:
    url = settings.OIDC_OP_DISCOVERY_URL
    if not url:
        return {}
    key = f"oidc-discovery:{url}"
    document = cache.get(key)
    if document is None:
        response = requests.get(url, timeout=settings.OIDC_TIMEOUT)
        response.raise_for_status()
        document = response.json()
        cache.set(key, document, DISCOVERY_TTL)
    return document


def provider() -> Provider:
    """The provider's endpoints (may ask the provider for its discovery document)."""
    found = _discovered() if not settings.OIDC_OP_TOKEN_ENDPOINT else {}
    return Provider(
        name=provider_name(),
        authorization_endpoint=settings.OIDC_OP_AUTHORIZATION_ENDPOINT
        or found.get("authorization_endpoint", ""),
        token_endpoint=settings.OIDC_OP_TOKEN_ENDPOINT or found.get("token_endpoint", ""),
        userinfo_endpoint=settings.OIDC_OP_USER_ENDPOINT or found.get("userinfo_endpoint", ""),
        jwks_uri=settings.OIDC_OP_JWKS_ENDPOINT or found.get("jwks_uri", ""),
    )

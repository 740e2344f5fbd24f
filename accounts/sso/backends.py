"""Authentication backends (ADR 25): this app's passwords, and OpenID Connect.

`PasswordBackend` is Django's ModelBackend for people whose password here is still on
(`User.password_sign_in`); `OidcBackend` is mozilla-django-oidc's backend with the provider
read when a sign-in happens (endpoints or discovery, `config`) and the person found,
provisioned and mapped by `services.sso_sign_in`.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from mozilla_django_oidc.auth import OIDCAuthenticationBackend

from core.choices import IdentitySource

from .config import oidc_configured, provider
from .services import identity_from_claims, sso_sign_in


class PasswordBackend(ModelBackend):
    """Username and password, for people whose password sign-in is on."""

    def user_can_authenticate(self, user) -> bool:
        return super().user_can_authenticate(user) and getattr(user, "password_sign_in", True)


class OidcBackend(OIDCAuthenticationBackend):
    """The authorization-code flow's last step: the code exchanged at the provider's token
    endpoint, the ID token's signature (the provider's JWKS) and nonce checked, the userinfo
    read; then the person by employee id or e-mail (`sso_sign_in`)."""

    def __init__(self, *args, **kwargs):
        # mozilla-django-oidc reads its settings here; ours are read at sign-in, so that this
        # backend costs nothing when a session is loaded and works with discovery.
        self.UserModel = get_user_model()

    def authenticate(self, request, **kwargs):
        if request is None or "nonce" not in kwargs or not oidc_configured():
            return None
        endpoints = provider()
        self.OIDC_OP_TOKEN_ENDPOINT = endpoints.token_endpoint
        self.OIDC_OP_USER_ENDPOINT = endpoints.userinfo_endpoint
        self.OIDC_OP_JWKS_ENDPOINT = endpoints.jwks_uri
        self.OIDC_RP_CLIENT_ID = settings.OIDC_RP_CLIENT_ID
        self.OIDC_RP_CLIENT_SECRET = settings.OIDC_RP_CLIENT_SECRET
        self.OIDC_RP_SIGN_ALGO = settings.OIDC_RP_SIGN_ALGO
        self.OIDC_RP_IDP_SIGN_KEY = None
        return super().authenticate(request, **kwargs)

    def get_or_create_user(self, access_token, id_token, payload):
        claims = {**payload, **self.get_userinfo(access_token, id_token, payload)}
        return sso_sign_in(identity_from_claims(claims, source=IdentitySource.OIDC))

    def get_user(self, user_id):
        user = super().get_user(user_id)
        return user if user is not None and user.is_active else None

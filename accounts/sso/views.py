"""The sign-in page with its "Sign in with <provider>" button, the OpenID Connect start and
callback (mozilla-django-oidc's views, with the provider read at sign-in), and the page that
says why a sign-in through the provider was refused: never a server error (ADR 25)."""

from __future__ import annotations

import logging

import requests
from django import forms
from django.conf import settings
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import SuspiciousOperation
from django.http import Http404
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.generic import View
from mozilla_django_oidc.views import OIDCAuthenticationCallbackView, OIDCAuthenticationRequestView

from core.choices import IdentitySource

from ..models import User
from .config import oidc_configured, provider, provider_name
from .services import SsoRefused

logger = logging.getLogger(__name__)


def password_refusal(username: str) -> str | None:
    """Why this app's password does not sign `username` in, or None: someone who signs in
    through the OpenID Connect provider, their password here switched off. (Directory users
    type their directory password on the same form: the LDAP backend checks it.)"""
    user = User.objects.filter(username=username).only("password_sign_in", "identity_source")
    user = user.first()
    if user is None or user.password_sign_in or user.identity_source == IdentitySource.LDAP:
        return None
    return _(
        "This account signs in through %(provider)s; its password here is switched off. "
        "Use the button “Sign in with %(provider)s”."
    ) % {"provider": provider_name()}


class PasswordSignInForm(AuthenticationForm):
    def clean(self):
        refusal = password_refusal(self.cleaned_data.get("username") or "")
        if refusal:
            raise forms.ValidationError(refusal, code="password_sign_in_off")
        return super().clean()


class SignInView(auth_views.LoginView):
    form_class = PasswordSignInForm
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["sso_provider"] = provider_name() if oidc_configured() else ""
        return context


def refused_page(request, message: str, status: int):
    return render(
        request,
        "accounts/sso_refused.html",
        {"message": message, "provider": provider_name()},
        status=status,
    )


def _unreachable(request):
    logger.warning("the OpenID Connect provider could not be reached", exc_info=True)
    return refused_page(
        request,
        _("%(provider)s could not be reached. Try again in a moment.")
        % {"provider": provider_name()},
        502,
    )


class OidcStartView(OIDCAuthenticationRequestView):
    """To the provider's authorization endpoint, with a fresh state and nonce in the session."""

    def __init__(self, **kwargs):
        View.__init__(self, **kwargs)  # the settings are read per request (`config`)

    def get(self, request):
        if not oidc_configured():
            raise Http404
        try:
            self.OIDC_OP_AUTH_ENDPOINT = provider().authorization_endpoint
        except requests.RequestException:
            return _unreachable(request)
        self.OIDC_RP_CLIENT_ID = settings.OIDC_RP_CLIENT_ID
        return super().get(request)


class OidcCallbackView(OIDCAuthenticationCallbackView):
    """Back from the provider: an unknown or reused state, a wrong nonce or signature, an
    unknown person with provisioning off, or a provider that does not answer each gets a
    page saying so."""

    def get(self, request):
        if not oidc_configured():
            raise Http404
        try:
            return super().get(request)
        except SsoRefused as refused:
            return refused_page(request, refused.message, 403)
        except SuspiciousOperation:
            logger.warning("OpenID Connect answer refused", exc_info=True)
            return refused_page(
                request,
                _(
                    "This sign-in could not be verified (it was not started here, was already "
                    "used, or its token did not match). Please sign in again."
                ),
                400,
            )
        except requests.RequestException:
            return _unreachable(request)

    def login_failure(self):
        return refused_page(
            self.request,
            _("Signing in through %(provider)s did not complete. Please sign in again.")
            % {"provider": provider_name()},
            400,
        )

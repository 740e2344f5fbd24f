"""Two-factor sign-in (TOTP) for the roles that hold the keys: administrators and finance.

A user of those roles who has a confirmed TOTP device must enter a code from it after the
password before any page or session API call; with `REQUIRE_TWO_FACTOR` on, one without a
device is sent to enrol one first. API tokens are issued only with a code either (see
`accounts.api.auth`). Devices are django-otp's; administrators can also manage them in the
admin.
"""

from __future__ import annotations

from urllib.parse import quote

from django import forms
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpResponseRedirect, JsonResponse
from django.shortcuts import render, resolve_url
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_otp import devices_for_user, match_token
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

EXEMPT_PREFIXES = ("/static/", "/login/", "/logout/", "/two-factor/", "/healthz", "/language/")


def two_factor_applies(user) -> bool:
    """Whether this user's role is one that signs in with a second factor."""
    return bool(
        user.is_authenticated
        and (user.is_superuser or getattr(user, "role", "") in settings.TWO_FACTOR_ROLES)
    )


def has_device(user) -> bool:
    return any(True for _device in devices_for_user(user, confirmed=True))


def needs_second_factor(user) -> bool:
    """Signed in with a password but not (yet) with a code, though the role requires one."""
    if not two_factor_applies(user) or user.is_verified():
        return False
    return settings.REQUIRE_TWO_FACTOR or has_device(user)


class TwoFactorMiddleware:
    """Sends a signed-in admin or finance user to the code page until they have entered one.

    Session API calls get a 403 instead; token-authenticated calls are checked when the token
    is issued. Runs after django-otp's OTPMiddleware (which sets `user.is_verified`)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            user is not None
            and not request.path.startswith(EXEMPT_PREFIXES)
            and needs_second_factor(user)
        ):
            if request.path.startswith("/api/"):
                return JsonResponse(
                    {
                        "code": "two_factor_required",
                        "message": _("Enter your two-factor code on the sign-in page first."),
                        "fields": {},
                    },
                    status=403,
                )
            target = "two-factor-verify" if has_device(user) else "two-factor-setup"
            return HttpResponseRedirect(f"{reverse(target)}?next={quote(request.get_full_path())}")
        return self.get_response(request)


class TokenForm(forms.Form):
    otp_token = forms.CharField(
        label=gettext_lazy("Code from your authenticator app"),
        max_length=8,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )


def _next(request) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return resolve_url(settings.LOGIN_REDIRECT_URL)


@login_required
def verify(request):
    """Second step of signing in: a code from the user's authenticator app."""
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = match_token(request.user, form.cleaned_data["otp_token"])
        if device is not None:
            otp_login(request, device)
            return HttpResponseRedirect(_next(request))
        form.add_error("otp_token", _("That code is not valid. Try the current one."))
    return render(
        request,
        "registration/two_factor.html",
        {"form": form, "next": _next(request), "title": _("Two-factor sign-in")},
    )


@login_required
def setup(request):
    """Enrol an authenticator app: show its secret, confirm with a first code."""
    device = TOTPDevice.objects.filter(user=request.user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(
            user=request.user, name=_("Authenticator app"), confirmed=False
        )
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if device.verify_token(form.cleaned_data["otp_token"]):
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            otp_login(request, device)
            return HttpResponseRedirect(_next(request))
        form.add_error("otp_token", _("That code is not valid. Try the current one."))
    return render(
        request,
        "registration/two_factor.html",
        {
            "form": form,
            "next": _next(request),
            "title": _("Set up two-factor sign-in"),
            "config_url": device.config_url,
        },
    )

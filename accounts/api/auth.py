"""`POST /api/v1/auth/token/`: an API token for a username and password, and for the roles
that sign in with two factors (see accounts.two_factor) a current code too. Someone whose
password here is switched off for single sign-on (ADR 25) is told so (400
`password_sign_in_off`).

Failed attempts count towards django-axes' lockout exactly as on the sign-in page."""

from __future__ import annotations

from axes.helpers import get_cool_off
from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_otp import match_token
from rest_framework import exceptions, serializers
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.authtoken.views import ObtainAuthToken

from accounts.sso.views import password_refusal
from accounts.two_factor import has_device, two_factor_applies
from core.errors import ValidationFailed


class LockedOut(exceptions.APIException):
    """Too many failed attempts for this username from this address (django-axes): a 429
    that says so, with the sign-in page's words, instead of "Unable to log in"."""

    status_code = 429
    default_code = "locked_out"
    default_detail = gettext_lazy(
        "Too many failed sign-in attempts. Try again later, or ask an administrator to unlock "
        "your account."
    )


class TokenRequestSerializer(AuthTokenSerializer):
    otp_token = serializers.CharField(
        label=gettext_lazy("Two-factor code"), required=False, allow_blank=True, max_length=8
    )

    def validate(self, attrs):
        request = self.context.get("request")
        refusal = password_refusal(attrs.get("username") or "")
        if refusal:
            raise ValidationFailed(
                refusal, code="password_sign_in_off", fields={"password": [refusal]}
            )
        try:
            attrs = super().validate(attrs)
        except serializers.ValidationError:
            # django-axes flags the request it refused (or just locked) for being locked out.
            if getattr(request, "axes_locked_out", False):
                raise LockedOut() from None
            raise
        user = attrs["user"]
        if two_factor_applies(user) and (settings.REQUIRE_TWO_FACTOR or has_device(user)):
            code = attrs.get("otp_token") or ""
            if not code or match_token(user, code) is None:
                raise serializers.ValidationError(
                    {"otp_token": [_("A valid two-factor code is required.")]}
                )
        return attrs


class ObtainTokenView(ObtainAuthToken):
    serializer_class = TokenRequestSerializer

    def handle_exception(self, exc):
        response = super().handle_exception(exc)
        cool_off = get_cool_off()
        if isinstance(exc, LockedOut) and cool_off is not None:
            response["Retry-After"] = str(int(cool_off.total_seconds()))
        return response

"""`POST /api/v1/auth/token/`: an API token for a username and password, and for the roles
that sign in with two factors (see accounts.two_factor) a current code too.

Failed attempts count towards django-axes' lockout exactly as on the sign-in page."""

from __future__ import annotations

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_otp import match_token
from rest_framework import serializers
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.authtoken.views import ObtainAuthToken

from accounts.two_factor import has_device, two_factor_applies


class TokenRequestSerializer(AuthTokenSerializer):
    otp_token = serializers.CharField(
        label=gettext_lazy("Two-factor code"), required=False, allow_blank=True, max_length=8
    )

    def validate(self, attrs):
        attrs = super().validate(attrs)
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

"""API-key authentication, scope enforcement and per-key rate limits for DRF."""

from __future__ import annotations

import dataclasses

from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework import authentication, exceptions, throttling
from rest_framework.permissions import SAFE_METHODS

from core import context

from ..models import ApiKey
from ..scopes import allows, area_of
from ..selectors import api_key_for_token
from ..services import api_key_mark_used

KEYWORD = "Api-Key"


class ApiKeyAuthentication(authentication.BaseAuthentication):
    """`Authorization: Api-Key ltc_<prefix>_<secret>` authenticates as the key's service user.

    The key's scopes are checked here, as it authenticates, rather than in a permission class:
    some views set their own `permission_classes`, and no view may forget the scope check.
    """

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).decode(errors="replace")
        keyword, _sep, token = header.partition(" ")
        if keyword.lower() != KEYWORD.lower():
            return None
        key = api_key_for_token(token.strip())
        if key is None:
            raise exceptions.AuthenticationFailed(_("Unknown API key."))
        if not key.is_active:
            raise exceptions.AuthenticationFailed(_("This API key was revoked."))
        if not key.user.is_active:
            raise exceptions.AuthenticationFailed(_("This API key's user is inactive."))
        view = (request.parser_context or {}).get("view")
        if view is not None:
            area = area_of(view)
            write = request.method not in SAFE_METHODS
            if not allows(key.scopes, area, write):
                raise exceptions.PermissionDenied(
                    _("This API key may not %(access)s %(area)s.")
                    % {"access": _("write") if write else _("read"), "area": area}
                )
        api_key_mark_used(key, now=timezone.now())
        # The audit trail records which key acted (the request middleware restores the
        # context after the request).
        context.set_current(dataclasses.replace(context.current(), api_key=key.prefix))
        return key.user, key

    def authenticate_header(self, request):
        return KEYWORD


class ApiKeyRateThrottle(throttling.SimpleRateThrottle):
    """Each key's own rate (`ApiKey.rate_limit`); requests not made with a key pass."""

    scope = "api_key"

    def get_rate(self):
        return None  # set per request from the key

    def allow_request(self, request, view):
        key = request.auth
        if not isinstance(key, ApiKey):
            return True
        self.rate = key.rate_limit
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request, view)

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": request.auth.prefix}

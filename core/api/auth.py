"""The partner portal's fence on the API (ADR 21): a partner user reaches only the views the
portal offers (`core.portal.api_allows`).

It is a DRF throttle class on purpose, in `DEFAULT_THROTTLE_CLASSES`: throttles run on every
view after authentication (token, session, API key, and tests' forced users alike) and
whatever `permission_classes` a view sets, so no view can forget it; the one view with its
own throttles (web-to-lead) is public anyway. It refuses with a 403, never a 429."""

from __future__ import annotations

from rest_framework import throttling

from .. import portal


class PortalFence(throttling.BaseThrottle):
    def allow_request(self, request, view):
        portal.fence(request.user, request.method, view)
        return True

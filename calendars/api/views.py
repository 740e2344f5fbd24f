"""`/api/v1/calendar-feed/`: one's own calendar feed (status, regenerate, revoke)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api.serializers import ErrorSerializer

from ..selectors import active_feed, feed_url
from ..services import calendar_feed_regenerate, calendar_feed_revoke
from .serializers import CalendarFeedIssuedSerializer, CalendarFeedSerializer

ERRORS = {401: ErrorSerializer, 403: ErrorSerializer}


class CalendarFeedView(APIView):
    """Whether the signed-in person has an active calendar feed; DELETE revokes it."""

    @extend_schema(responses={200: CalendarFeedSerializer, **ERRORS}, summary="My calendar feed")
    def get(self, request):
        feed = active_feed(request.user)
        return Response(
            {
                "active": feed is not None,
                "created_at": feed and feed.created_at,
                "last_used_at": feed and feed.last_used_at,
            }
        )

    @extend_schema(responses={204: None, **ERRORS}, summary="Revoke my calendar feed")
    def delete(self, request):
        calendar_feed_revoke(user=request.user)
        return Response(status=204)


class CalendarFeedRegenerateView(APIView):
    """A new feed URL (shown this once); the previous URL stops working."""

    @extend_schema(
        request=None,
        responses={201: CalendarFeedIssuedSerializer, **ERRORS},
        summary="Regenerate my calendar feed URL",
    )
    def post(self, request):
        feed, token = calendar_feed_regenerate(user=request.user)
        return Response({"url": feed_url(token), "created_at": feed.created_at}, status=201)

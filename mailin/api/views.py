"""`/api/v1/inbound-mail/` (a mail provider pushes a message) and `/api/v1/inbound-messages/`
(the inbound log, administrators only)."""

from __future__ import annotations

from django.conf import settings
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, parsers, permissions, viewsets
from rest_framework.response import Response
from rest_framework.views import APIView

from core import policy
from core.api.errors import error_body
from core.api.serializers import ErrorSerializer
from leads.api.views import (
    LEAD_SOURCE_KEY,
    WebToLeadIPThrottle,
    WebToLeadKeyThrottle,
    WebToLeadView,
)

from ..choices import InboundChannel, InboundStatus
from ..selectors import inbound_message_list
from ..services import inbound_mail_process
from .serializers import InboundMessageSerializer, InboundReceiptSerializer


class RawMessageParser(parsers.BaseParser):
    """The message exactly as it came (RFC 5322 bytes)."""

    media_type = "message/rfc822"

    def parse(self, stream, media_type=None, parser_context=None):
        return stream.read(settings.MAILIN_MAX_MESSAGE_BYTES + 1) if stream else b""


class RawOctetStreamParser(RawMessageParser):
    """The same bytes sent as `application/octet-stream` (relays and generated clients that
    know no `message/rfc822`)."""

    media_type = "application/octet-stream"


class IsMailinAdministrator(permissions.BasePermission):
    def has_permission(self, request, view):
        return policy.may(request.user, "mailin.administer")


class InboundMailView(APIView):
    """A mail provider (or a relay) posts each inbound message here, raw, as
    `message/rfc822`, with a lead capture source's key in `X-Lead-Source-Key`: it becomes a
    lead of that source (deduped and routed like web-to-lead), or, when it answers a
    notification e-mail, a comment on its record. Each Message-ID is acted on once; the
    answer says what became of it (the inbound log has the rest). 413: larger than
    MAILIN_MAX_MESSAGE_BYTES."""

    authentication_classes: list = []
    permission_classes = [permissions.AllowAny]
    throttle_classes = [WebToLeadIPThrottle, WebToLeadKeyThrottle]
    parser_classes = [RawMessageParser, RawOctetStreamParser]

    @extend_schema(
        request={
            "message/rfc822": OpenApiTypes.BINARY,
            "application/octet-stream": OpenApiTypes.BINARY,
        },
        responses={
            201: InboundReceiptSerializer,
            200: InboundReceiptSerializer,
            400: ErrorSerializer,
            401: ErrorSerializer,
            403: ErrorSerializer,
            413: ErrorSerializer,
            415: ErrorSerializer,
            429: ErrorSerializer,
        },
        parameters=[LEAD_SOURCE_KEY],
        auth=[],
        summary="Push an inbound e-mail (leads and replies)",
    )
    def post(self, request):
        source, refusal = WebToLeadView.source_of(request)
        if refusal is not None:
            return refusal
        declared = int(request.headers.get("Content-Length") or 0)
        raw = request.data if isinstance(request.data, bytes) else b""
        if max(declared, len(raw)) > settings.MAILIN_MAX_MESSAGE_BYTES:
            return Response(
                error_body("too_large", _("The message is larger than we accept.")),
                status=413,
            )
        if not raw.strip():
            return Response(
                error_body("invalid", _("Send the message itself."), {"message": [_("Required.")]}),
                status=400,
            )
        row = inbound_mail_process(raw=raw, channel=InboundChannel.WEBHOOK, source=source)
        created = row.status in (InboundStatus.LEAD_CREATED, InboundStatus.COMMENT_ADDED)
        return Response(
            {"id": row.pk, "status": row.status, "reason": row.reason},
            status=201 if created else 200,
        )


class InboundMessageViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """The inbound log: every message that came in and what became of it."""

    api_area = "integrations"
    queryset = inbound_message_list()
    serializer_class = InboundMessageSerializer
    permission_classes = [permissions.IsAuthenticated, IsMailinAdministrator]
    filterset_fields = ["status", "reason", "channel", "mailbox"]
    search_fields = ["from_address", "subject", "message_id"]
    ordering_fields = ["id", "received_at"]

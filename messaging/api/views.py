"""The chat channels' API (ADR 24): channels, identities and the delivery log for
administrators; each person's own channel preferences."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from core import policy
from core.api.mixins import ERRORS

from ..selectors import channel_list, delivery_list, identity_list, preference_list
from ..sending import delivery_retry
from ..services import (
    channel_create,
    channel_update,
    identities_import,
    identity_set,
    preference_set,
)
from .serializers import (
    ChannelPreferenceSerializer,
    ChatChannelSerializer,
    ChatDeliverySerializer,
    ChatIdentityImportSerializer,
    ChatIdentitySerializer,
)


class IsMessagingAdmin(permissions.BasePermission):
    """Administrators signed in as people (API keys hold no scope for this area)."""

    def has_permission(self, request, view):
        return policy.may(request.user, "messaging.administer")


class ChatChannelViewSet(
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """The company's chat channels (WeCom, DingTalk, Feishu): one per kind."""

    queryset = channel_list()
    serializer_class = ChatChannelSerializer
    permission_classes = [permissions.IsAuthenticated, IsMessagingAdmin]
    filterset_fields = ["kind", "enabled"]
    ordering_fields = ["id", "kind"]
    http_method_names = ["get", "post", "patch", "head", "options"]

    def perform_create(self, serializer):
        serializer.instance = channel_create(**serializer.validated_data, by=self.request.user)

    def perform_update(self, serializer):
        serializer.instance = channel_update(
            channel=serializer.instance, data=dict(serializer.validated_data), by=self.request.user
        )


class ChatIdentityViewSet(
    mixins.CreateModelMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """People's ids in the chat apps. A POST sets one person's id in one app (again: changes
    it); `import/` takes lines of `username,vendor,id`, all or nothing."""

    queryset = identity_list()
    serializer_class = ChatIdentitySerializer
    permission_classes = [permissions.IsAuthenticated, IsMessagingAdmin]
    filterset_fields = ["user", "vendor"]
    ordering_fields = ["id"]

    def perform_create(self, serializer):
        data = serializer.validated_data
        serializer.instance = identity_set(
            user=data["user"],
            vendor=data["vendor"],
            external_id=data["external_id"],
            by=self.request.user,
        )

    @extend_schema(
        request=ChatIdentityImportSerializer, responses={200: {"type": "object"}, **ERRORS}
    )
    @action(detail=False, methods=["post"], url_path="import")
    def import_lines(self, request):
        """Set many people's ids at once; all or nothing. Answers how many."""
        body = ChatIdentityImportSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        count = identities_import(text=body.validated_data["text"], by=request.user)
        return Response({"imported": count})


class ChannelPreferenceViewSet(
    mixins.CreateModelMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """One's own choices of chat channels per notification kind. A POST sets one (again:
    changes it); a DELETE goes back to the default (urgent kinds on, others off)."""

    portal_open = False
    queryset = preference_list()
    serializer_class = ChannelPreferenceSerializer
    filterset_fields = ["kind", "channel"]
    ordering_fields = ["id"]

    def get_queryset(self):
        return preference_list().filter(user=self.request.user)

    def perform_create(self, serializer):
        data = serializer.validated_data
        serializer.instance = preference_set(
            user=self.request.user,
            kind=data["kind"],
            channel=data["channel"],
            enabled=data.get("enabled", True),
        )


class ChatDeliveryViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """The chat delivery log: each notification on each channel, its status (queued, sending,
    sent, retrying, failed), attempts and the vendor's `errcode`/`errmsg`. `retry/` sends a
    failed one again."""

    queryset = delivery_list()
    serializer_class = ChatDeliverySerializer
    permission_classes = [permissions.IsAuthenticated, IsMessagingAdmin]
    filterset_fields = ["status", "channel", "notification"]
    ordering_fields = ["id", "created_at"]

    @extend_schema(request=None, responses={202: ChatDeliverySerializer, **ERRORS})
    @action(detail=True, methods=["post"])
    def retry(self, request, pk=None):
        """Send a failed delivery again."""
        delivery = delivery_retry(delivery=self.get_object(), by=request.user)
        return Response(self.get_serializer(delivery).data, status=status.HTTP_202_ACCEPTED)

"""Admin-only endpoints that manage integrations: API keys (and webhooks)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from core.api.mixins import ERRORS

from ..selectors import api_key_list, delivery_list, subscription_list
from ..services import (
    api_key_issue,
    api_key_revoke,
    delivery_replay,
    subscription_create,
    subscription_update,
)
from .permissions import IsAdminPerson
from .serializers import (
    ApiKeySerializer,
    IssuedApiKeySerializer,
    WebhookDeliverySerializer,
    WebhookSubscriptionSerializer,
)


class ApiKeyViewSet(
    mixins.CreateModelMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """API keys of systems. Administrators create them (the token is in the response once,
    and never again) and revoke them; a key acts as its service user with its scopes."""

    api_area = "integrations"
    queryset = api_key_list()
    serializer_class = ApiKeySerializer
    permission_classes = [permissions.IsAuthenticated, IsAdminPerson]
    filterset_fields = ["user"]
    search_fields = ["name", "prefix"]
    ordering_fields = ["id", "created_at"]

    @extend_schema(request=ApiKeySerializer, responses={201: IssuedApiKeySerializer, **ERRORS})
    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        issued = api_key_issue(**serializer.validated_data, by=request.user)
        data = IssuedApiKeySerializer(issued.key).data
        data["token"] = issued.token
        return Response(data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={200: ApiKeySerializer, **ERRORS})
    @action(detail=True, methods=["post"])
    def revoke(self, request, pk=None):
        """Revoke the key: every later request with it is a 401."""
        key = api_key_revoke(key=self.get_object(), by=request.user)
        return Response(self.get_serializer(key).data)


class WebhookSubscriptionViewSet(
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Webhook subscriptions (administrators). Each acts as a user: it is sent only the
    events about records that user may see. Deliveries are signed with its `secret`
    (`X-LTC-Signature: t=<unix time>,v1=<HMAC-SHA256(secret, "<t>.<body>")>`)."""

    api_area = "integrations"
    queryset = subscription_list()
    serializer_class = WebhookSubscriptionSerializer
    permission_classes = [permissions.IsAuthenticated, IsAdminPerson]
    filterset_fields = ["is_active", "user"]
    search_fields = ["name", "url"]
    ordering_fields = ["id", "created_at"]
    http_method_names = ["get", "post", "patch", "head", "options"]

    def perform_create(self, serializer):
        serializer.instance = subscription_create(**serializer.validated_data, by=self.request.user)

    def perform_update(self, serializer):
        serializer.instance = subscription_update(
            subscription=serializer.instance,
            data=dict(serializer.validated_data),
            by=self.request.user,
        )


class WebhookDeliveryViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """The delivery log: every event sent to every subscription, its attempts and outcome.
    `replay/` sends a delivery again (as a new delivery)."""

    api_area = "integrations"
    queryset = delivery_list()
    serializer_class = WebhookDeliverySerializer
    permission_classes = [permissions.IsAuthenticated, IsAdminPerson]
    filterset_fields = ["subscription", "state", "event__name"]
    ordering_fields = ["id", "created_at"]

    @extend_schema(request=None, responses={202: WebhookDeliverySerializer, **ERRORS})
    @action(detail=True, methods=["post"])
    def replay(self, request, pk=None):
        """Send this delivery's event to its subscription again."""
        replay = delivery_replay(delivery=self.get_object(), by=request.user)
        replay.refresh_from_db()
        return Response(self.get_serializer(replay).data, status=status.HTTP_202_ACCEPTED)

from __future__ import annotations

from django.contrib.auth import get_user_model
from rest_framework import serializers

from core.api.serializers import ModelSerializer

from ..models import ApiKey, WebhookDelivery, WebhookSubscription, validate_rate
from ..scopes import ALL_SCOPES
from ..webhooks import EVENTS as WEBHOOK_EVENTS


class ApiKeySerializer(ModelSerializer):
    """An API key as listed: never its secret."""

    user = serializers.PrimaryKeyRelatedField(
        queryset=get_user_model().objects.filter(is_active=True)
    )
    scopes = serializers.ListField(child=serializers.ChoiceField(choices=ALL_SCOPES))
    rate_limit = serializers.CharField(
        max_length=20, default="600/minute", validators=[validate_rate]
    )
    is_active = serializers.BooleanField(read_only=True)

    class Meta:
        model = ApiKey
        fields = [
            "id",
            "name",
            "prefix",
            "user",
            "scopes",
            "rate_limit",
            "is_active",
            "created_at",
            "last_used_at",
            "revoked_at",
        ]
        read_only_fields = ["prefix", "created_at", "last_used_at", "revoked_at"]


class IssuedApiKeySerializer(ApiKeySerializer):
    """The key just created, with its token: the only time the secret is shown."""

    token = serializers.CharField(read_only=True)

    class Meta(ApiKeySerializer.Meta):
        fields = [*ApiKeySerializer.Meta.fields, "token"]


class WebhookSubscriptionSerializer(ModelSerializer):
    """A subscription; its signing secret is shown to the administrators who manage it."""

    user = serializers.PrimaryKeyRelatedField(
        queryset=get_user_model().objects.filter(is_active=True)
    )
    events = serializers.ListField(
        child=serializers.ChoiceField(choices=list(WEBHOOK_EVENTS)), allow_empty=False
    )

    class Meta:
        model = WebhookSubscription
        fields = ["id", "name", "url", "events", "user", "is_active", "secret", "created_at"]
        read_only_fields = ["secret", "created_at"]


class WebhookDeliverySerializer(ModelSerializer):
    event = serializers.CharField(source="event.name", read_only=True)
    payload = serializers.JSONField(source="event.payload", read_only=True)

    class Meta:
        model = WebhookDelivery
        fields = [
            "id",
            "event",
            "subscription",
            "replay_of",
            "state",
            "attempts",
            "last_status",
            "last_error",
            "log",
            "payload",
            "created_at",
            "delivered_at",
        ]
        read_only_fields = fields

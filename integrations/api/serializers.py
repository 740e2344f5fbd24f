from __future__ import annotations

from django.contrib.auth import get_user_model
from rest_framework import serializers

from ..models import ApiKey, validate_rate
from ..scopes import ALL_SCOPES


class ApiKeySerializer(serializers.ModelSerializer):
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

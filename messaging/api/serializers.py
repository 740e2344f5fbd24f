from __future__ import annotations

from django.contrib.auth import get_user_model
from django.utils.translation import gettext as _
from rest_framework import serializers

from core.api.serializers import ModelSerializer

from ..models import ChannelPreference, ChatChannel, ChatDelivery, ChatIdentity


class ChatChannelSerializer(ModelSerializer):
    """A chat channel. `secret` is written, never answered (`has_secret` says one is set);
    leaving it out of an update keeps the stored one."""

    secret = serializers.CharField(
        write_only=True, required=False, allow_blank=True, max_length=200, trim_whitespace=True
    )
    has_secret = serializers.SerializerMethodField()

    class Meta:
        model = ChatChannel
        fields = [
            "id",
            "kind",
            "name",
            "enabled",
            "endpoint",
            "secret",
            "has_secret",
            "app_id",
            "agent_id",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["created_at", "updated_at"]
        validators = []  # one channel per kind: the database says so (a 400 from the service)

    def get_has_secret(self, channel) -> bool:
        return bool(channel.secret)

    def validate_kind(self, value):
        if self.instance is not None and value != self.instance.kind:
            raise serializers.ValidationError(_("The kind of a channel is fixed once made."))
        return value


class ChatIdentitySerializer(ModelSerializer):
    """Who a person is in a chat app."""

    user = serializers.PrimaryKeyRelatedField(queryset=get_user_model().objects.all())

    class Meta:
        model = ChatIdentity
        fields = ["id", "user", "vendor", "external_id"]
        validators = []  # unique in the database: a 400 from the service


class ChatIdentityImportSerializer(serializers.Serializer):
    text = serializers.CharField(max_length=200_000, help_text="Lines of username,vendor,id.")


class ChannelPreferenceSerializer(ModelSerializer):
    """One's choice for a notification kind on a channel (urgent kinds are on without one)."""

    channel = serializers.PrimaryKeyRelatedField(queryset=ChatChannel.objects.all())

    class Meta:
        model = ChannelPreference
        fields = ["id", "kind", "channel", "enabled"]
        validators = []  # one per (user, kind, channel): an upsert

    def validate_kind(self, value):
        from core.messages import MESSAGES

        if value not in MESSAGES:
            raise serializers.ValidationError(_("No notification is of this kind."))
        return value


class ChatDeliverySerializer(ModelSerializer):
    """One notification on one channel: its status, attempts and the vendor's answer."""

    kind = serializers.CharField(source="notification.kind", read_only=True)
    recipient = serializers.IntegerField(source="notification.recipient_id", read_only=True)

    class Meta:
        model = ChatDelivery
        fields = [
            "id",
            "notification",
            "kind",
            "recipient",
            "channel",
            "status",
            "attempts",
            "next_attempt_at",
            "sent_at",
            "errcode",
            "errmsg",
            "created_at",
        ]
        read_only_fields = fields

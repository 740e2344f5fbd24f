from rest_framework import serializers

from ..models import InboundMessage


class InboundMessageSerializer(serializers.ModelSerializer):
    class Meta:
        model = InboundMessage
        fields = [
            "id",
            "channel",
            "mailbox",
            "message_id",
            "from_address",
            "subject",
            "size",
            "status",
            "reason",
            "detail",
            "lead",
            "activity",
            "received_at",
        ]
        read_only_fields = fields


class InboundReceiptSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.CharField()
    reason = serializers.CharField(allow_blank=True)

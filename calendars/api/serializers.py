from rest_framework import serializers


class CalendarFeedSerializer(serializers.Serializer):
    """The person's feed: whether one is active, and when it was made and last read. The URL
    itself is shown only when it is made (only a hash of its token is kept)."""

    active = serializers.BooleanField()
    created_at = serializers.DateTimeField(allow_null=True)
    last_used_at = serializers.DateTimeField(allow_null=True)


class CalendarFeedIssuedSerializer(serializers.Serializer):
    url = serializers.URLField()
    created_at = serializers.DateTimeField()

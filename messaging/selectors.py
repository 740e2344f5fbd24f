"""Reads of the chat channels (ADR 24)."""

from __future__ import annotations

from django.db.models import QuerySet

from core.notifications import URGENT_KINDS

from .models import ChannelPreference, ChatChannel, ChatDelivery, ChatIdentity


def channel_list() -> QuerySet[ChatChannel]:
    return ChatChannel.objects.all()


def identity_list() -> QuerySet[ChatIdentity]:
    return ChatIdentity.objects.select_related("user")


def preference_list() -> QuerySet[ChannelPreference]:
    return ChannelPreference.objects.select_related("channel")


def delivery_list() -> QuerySet[ChatDelivery]:
    return ChatDelivery.objects.select_related("channel", "notification__recipient")


def kinds_for(user) -> list[str]:
    """The notification kinds a person chooses channels for: the urgent ones, those they
    have received and those they chose for."""
    from core.messages import MESSAGES
    from core.models import Notification

    kinds = set(URGENT_KINDS)
    kinds |= set(
        Notification.objects.filter(recipient=user).values_list("kind", flat=True).distinct()[:200]
    )
    kinds |= set(ChannelPreference.objects.filter(user=user).values_list("kind", flat=True))
    return sorted(kind for kind in kinds if kind in MESSAGES)

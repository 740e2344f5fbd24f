"""Reads of e-mail in."""

from __future__ import annotations

from django.db import models

from .models import InboundMessage


def inbound_message_list() -> models.QuerySet[InboundMessage]:
    """The inbound log, newest first (administrators only: the API and the admin ask)."""
    return InboundMessage.objects.select_related("mailbox").order_by("-received_at", "-id")

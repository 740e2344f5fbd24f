"""Reads of the integrations: API keys, webhook subscriptions and the delivery log. They are
administrators' records (the views check that), so no access policy applies here, except to
the records a webhook is about: a subscription is told only what its user may see."""

from __future__ import annotations

import hmac

from django.db.models import QuerySet

from core import policy

from .keys import hash_secret, parse_token
from .models import ApiKey, WebhookDelivery, WebhookSubscription


def api_key_list() -> QuerySet[ApiKey]:
    return ApiKey.objects.select_related("user")


def api_key_for_token(token: str) -> ApiKey | None:
    """The key a token names (revoked ones too: the caller says why it fails), or None."""
    parts = parse_token(token)
    if parts is None:
        return None
    prefix, secret = parts
    key = ApiKey.objects.select_related("user").filter(prefix=prefix).first()
    if key is None or not hmac.compare_digest(key.secret_hash, hash_secret(secret)):
        return None
    return key


def subscription_list() -> QuerySet[WebhookSubscription]:
    return WebhookSubscription.objects.select_related("user")


def delivery_list() -> QuerySet[WebhookDelivery]:
    return WebhookDelivery.objects.select_related("event")


def subscribers(name: str, subject) -> list[WebhookSubscription]:
    """The active subscriptions to event `name` whose user may see `subject`."""
    return [
        s
        for s in WebhookSubscription.objects.filter(is_active=True).select_related("user")
        if name in s.events and policy.can(s.user, subject, "view")
    ]


def is_subscribed(name: str) -> bool:
    """Whether any active subscription wants event `name`."""
    return any(name in s.events for s in WebhookSubscription.objects.filter(is_active=True))

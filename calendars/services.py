"""Issuing and revoking calendar feeds."""

from __future__ import annotations

import hashlib
import secrets

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from core.audit import audit_record

from .models import CalendarFeed


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def calendar_feed_regenerate(*, user) -> tuple[CalendarFeed, str]:
    """Issue a new feed for `user`, revoking the active one; returns the feed and its token,
    shown this once (only its hash is kept)."""
    token = secrets.token_urlsafe(32)
    with transaction.atomic():
        # The person's row is the lock: two regenerations at once queue, one stays active.
        get_user_model().objects.select_for_update().filter(pk=user.pk).first()
        _revoke_active(user)
        feed = CalendarFeed.objects.create(user=user, token_hash=token_hash(token))
        audit_record(target=feed, action="calendar_feed.issued", actor=user)
    return feed, token


def calendar_feed_revoke(*, user) -> bool:
    """Revoke `user`'s active feed, if any; its URL answers 404 from now on."""
    with transaction.atomic():
        get_user_model().objects.select_for_update().filter(pk=user.pk).first()
        return _revoke_active(user)


def _revoke_active(user) -> bool:
    active = CalendarFeed.objects.filter(user=user, revoked_at__isnull=True).first()
    if active is None:
        return False
    CalendarFeed.objects.filter(pk=active.pk).update(revoked_at=timezone.now())
    audit_record(target=active, action="calendar_feed.revoked", actor=user)
    return True

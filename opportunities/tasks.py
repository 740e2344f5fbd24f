"""Celery tasks of MO: reminders before bid deadlines (run by beat, see ltc/settings.py)."""

from __future__ import annotations

from celery import shared_task

from .services import bid_send_reminders


@shared_task(acks_late=True)
def send_bid_reminders() -> int:
    """Remind the people of bids in preparation whose deadline is near. Idempotent: each
    (bid, reminder window) is sent once, however often this runs (see `bid_send_reminders`)."""
    return bid_send_reminders()

"""Celery tasks of MCE: the daily late-delivery scan (run by beat, see ltc/settings.py)."""

from __future__ import annotations

from celery import shared_task

from .services.delivery import delivery_send_late_reminders


@shared_task(acks_late=True)
def send_late_delivery_reminders() -> int:
    """Tell owners and FRs of delivery milestones whose planned date passed unreached; each
    (milestone, planned date) once, however often this runs."""
    return delivery_send_late_reminders()

"""Celery jobs of leads: the daily rescore (the recent-activity part fades as days pass)."""

from __future__ import annotations

from celery import shared_task

from .choices import OPEN_STATES
from .models import Lead
from .services import leads_rescore


@shared_task(acks_late=True)
def leads_rescore_open() -> int:
    """Recompute the score of every open lead; returns how many changed."""
    return leads_rescore(Lead.objects.filter(state__in=OPEN_STATES))

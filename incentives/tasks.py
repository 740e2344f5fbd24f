"""Celery jobs of credit sharing: bring the credit ledger up to date."""

from __future__ import annotations

from celery import shared_task

from . import services


@shared_task(acks_late=True)
def credit_pending() -> int:
    """Credit every signed contract and allocated receipt not credited yet, and re-credit those
    changed since (each event generation written once: ADR 23)."""
    return services.credit_pending()

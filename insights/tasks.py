"""Celery jobs of insights: keep the gate-flow rollup up to date."""

from __future__ import annotations

from celery import shared_task

from . import services


@shared_task(acks_late=True)
def gate_flow_refresh() -> int:
    """Rebuild the gate-flow rows of the deals whose audit trail moved since the last run."""
    return services.gate_flow_refresh()

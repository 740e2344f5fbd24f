"""Celery jobs of insights: keep the gate-flow rollup up to date; retrain the win model."""

from __future__ import annotations

from celery import shared_task

from . import services
from .winmodel import services as winmodel_services


@shared_task(acks_late=True)
def gate_flow_refresh() -> int:
    """Rebuild the gate-flow rows of the deals whose audit trail moved since the last run."""
    return services.gate_flow_refresh()


@shared_task(acks_late=True)
def win_model_train() -> dict:
    """Retrain the win model from the closed deals and predict every open deal (nightly)."""
    return winmodel_services.win_model_train()

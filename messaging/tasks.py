"""Celery tasks of the chat channels (ADR 24)."""

from __future__ import annotations

from celery import shared_task

from .sending import deliveries_send_due, delivery_send


@shared_task(name="messaging.tasks.send_chat_deliveries", acks_late=True)
def send_chat_deliveries(delivery_ids: list[int]) -> int:
    """Send these deliveries; each is claimed first, so a redelivered message sends nothing
    twice. How many went out."""
    return sum(delivery_send(pk) == "sent" for pk in delivery_ids)


@shared_task(name="messaging.tasks.send_due_chat_deliveries", acks_late=True)
def send_due_chat_deliveries() -> int:
    """The beat job: retry what is due, give up on what was interrupted."""
    return deliveries_send_due()

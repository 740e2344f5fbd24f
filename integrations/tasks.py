from celery import shared_task

from .idempotency import purge_expired
from .services import delivery_attempt


@shared_task(name="integrations.tasks.purge_idempotency_records")
def purge_idempotency_records() -> int:
    """Forget idempotency keys older than a day."""
    return purge_expired()


@shared_task(bind=True, name="integrations.tasks.deliver_webhook", max_retries=None)
def deliver_webhook(self, delivery_id: int) -> None:
    """Send one webhook delivery; on failure retry with exponential backoff (the delivery row
    counts the attempts and decides when to give up). Run in-process (no broker: the demo,
    the tests), the retries follow at once."""
    while (retry_in := delivery_attempt(delivery_id)) is not None:
        if not self.request.is_eager:
            raise self.retry(countdown=retry_in)


@shared_task(name="integrations.tasks.publish_milestone_events")
def publish_milestone_events() -> int:
    """Announce payment milestones that fell due or overdue (from the reminder ladder)."""
    from .services import publish_milestone_events as run

    return run()

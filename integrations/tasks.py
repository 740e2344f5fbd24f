from celery import shared_task

from .idempotency import purge_expired


@shared_task(name="integrations.tasks.purge_idempotency_records")
def purge_idempotency_records() -> int:
    """Forget idempotency keys older than a day."""
    return purge_expired()

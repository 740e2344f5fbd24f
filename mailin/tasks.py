"""Celery tasks of e-mail in."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="mailin.tasks.poll_mailboxes", acks_late=True)
def poll_mailboxes() -> dict[str, int]:
    """Take in each inbound mailbox's unread messages (beat, every minute; `run_job` too)."""
    from .imap import mailboxes_poll

    return mailboxes_poll()

"""Celery jobs of the report builder: the scheduled e-mails."""

from __future__ import annotations

from celery import shared_task

from . import services


@shared_task(acks_late=True)
def send_scheduled_reports() -> int:
    """E-mail the saved reports whose daily, weekly or monthly schedule is due."""
    return services.scheduled_reports_send()

"""Celery jobs of collections: the daily scan (beat: CELERY_BEAT_SCHEDULE in ltc/settings.py).

One task scans everything in batches (never a task per milestone). It is idempotent and
acknowledged late: a redelivered or repeated run sends nothing twice (see reminders.py).
"""

from __future__ import annotations

import datetime as dt

from celery import shared_task

from .reminders import scan


@shared_task(acks_late=True, name="receivables.tasks.scan_payment_milestones")
def scan_payment_milestones(today: str | None = None) -> dict:
    """Make fixed-date milestones due and send the day's payment reminders. `today` (ISO
    date) replays a given day; default is the local date."""
    result = scan(today=dt.date.fromisoformat(today) if today else None)
    return {
        "run": str(result.run),
        "made_due": result.made_due,
        "reminders": result.reminders,
        "notifications": result.notifications,
        "by_kind": result.by_kind,
    }


@shared_task(acks_late=True)
def refresh_ageing_rollup() -> int:
    """Bring the ageing by org unit up to date (`receivables.rollups`): the keys whose
    milestones changed since, or everything on a new day; returns the keys (rows) recounted."""
    from .rollups import refresh_dirty

    return refresh_dirty()


@shared_task(acks_late=True)
def refresh_cash_forecast() -> int:
    """Predict every open milestone's payment date (`receivables.forecast`); returns the rows
    written."""
    from .forecast import refresh

    return refresh()

"""Scheduled jobs of key-account management (see CELERY_BEAT_SCHEDULE)."""

from __future__ import annotations

from celery import shared_task


@shared_task(acks_late=True)
def recompute_tiers(by_id: int | None = None) -> int:
    """Place every customer the tier criteria cover in its tier; returns how many changed.
    `by_id` names who asked for the run (none: the schedule); the service checks that they
    still may, here in the worker, and records them on each change."""
    from accounts.models import User

    from .services import tiers_recompute

    by = User.objects.select_related("org_unit").get(pk=by_id) if by_id else None
    return len(tiers_recompute(by=by))


@shared_task(acks_late=True)
def refresh_matrix() -> int:
    """Recompute every profile's potential and matrix quadrant (thresholds may have changed)."""
    from .models import AccountProfile
    from .services.accounts import profile_refresh

    count = 0
    for profile in AccountProfile.objects.select_related("customer__org_unit").iterator(
        chunk_size=500
    ):
        profile_refresh(profile)
        count += 1
    return count


@shared_task(acks_late=True)
def open_renewal_opportunities() -> int:
    """Open the renewal opportunities due today; idempotent (one per contract, ever)."""
    from .services import renewal_opportunities_open

    return len(renewal_opportunities_open())


@shared_task(acks_late=True)
def refresh_funnel_rollup() -> int:
    """Rebuild the manager funnel's rollup whole (`keyaccounts.services.rollups`); returns the
    rows written. Nightly, and by hand (`manage.py rollups_rebuild`)."""
    from .services.rollups import refresh

    return refresh()


@shared_task(acks_late=True)
def refresh_funnel_rollup_dirty() -> int:
    """Recount the funnel rollup's keys changed since the last refresh (ADR 33); returns the
    keys recounted."""
    from .services.rollups import refresh_dirty

    return refresh_dirty()

"""milestone.due and milestone.overdue: published from the collections reminder ladder.

When a payment milestone counts as due today or overdue is the reminder ladder's rule
(receivables.reminders): its daily scan claims a MilestoneReminder row per (milestone, step),
exactly once. This periodic task publishes each "due" and "overdue_1" claim of the last days
as one event (the claim's id is the event's dedupe key), so each milestone is announced once
per step, however often the task runs.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from receivables.choices import ReminderKind
from receivables.models import MilestoneReminder

from .models import WebhookEvent, WebhookSubscription
from .webhooks import publish, ref

STEPS = {ReminderKind.DUE.value: "milestone.due", ReminderKind.OVERDUE_1.value: "milestone.overdue"}
LOOK_BACK_DAYS = 3


def publish_milestone_events(*, today: dt.date | None = None) -> int:
    """Publish the due/overdue steps claimed in the last days not published yet; how many."""
    today = today or timezone.localdate()
    wanted = {
        step: event
        for step, event in STEPS.items()
        if any(event in s.events for s in WebhookSubscription.objects.filter(is_active=True))
    }
    if not wanted:
        return 0
    claims = list(
        MilestoneReminder.objects.filter(
            kind__in=list(wanted), sent_on__gte=today - dt.timedelta(days=LOOK_BACK_DAYS)
        ).select_related("milestone__contract__customer")
    )
    keys = {claim.pk: f"{wanted[claim.kind]}:{claim.pk}" for claim in claims}
    done = set(
        WebhookEvent.objects.filter(dedupe_key__in=list(keys.values())).values_list(
            "dedupe_key", flat=True
        )
    )
    published = 0
    for claim in claims:
        if keys[claim.pk] in done:
            continue
        milestone = claim.milestone
        event = publish(
            wanted[claim.kind],
            milestone,
            {
                "milestone": {**ref(milestone), "name": milestone.name},
                "contract": ref(milestone.contract),
                "customer": ref(milestone.contract.customer),
                "amount": milestone.amount,
                "outstanding": milestone.outstanding,
                "currency": milestone.currency,
                "due_date": milestone.due_date,
                "days_overdue": (today - milestone.due_date).days,
            },
            dedupe_key=keys[claim.pk],
        )
        published += event is not None
    return published

"""What Celery beat runs, and when (every periodic task of every app, in one table).

Kept out of ltc/settings.py for its length; `CELERY_BEAT_SCHEDULE` is re-exported there.
"""

from celery.schedules import crontab

CELERY_BEAT_SCHEDULE: dict[str, dict] = {
    "outbox-flush": {"task": "ltc.tasks.flush_outbox", "schedule": 60},
    # Chat messages (ADR 24): retries whose backoff has passed.
    "messaging-send-due": {"task": "messaging.tasks.send_due_chat_deliveries", "schedule": 60},
    "approvals-reminders-and-escalations": {
        "task": "ltc.tasks.send_approval_reminders",
        "schedule": 15 * 60,
    },
    "notifications-email-digest": {
        "task": "ltc.tasks.send_daily_digests",
        "schedule": 24 * 60 * 60,
    },
    # A custom field's range index is made when it is defined; nightly, any still missing
    # (a restored database, an imported configuration).
    "custom-field-indexes": {
        "task": "ltc.tasks.ensure_custom_field_indexes",
        "schedule": 24 * 60 * 60,
    },
    # The audit trail's and notifications' monthly partitions, made months ahead (ADR 37).
    "partitions-ahead": {
        "task": "ltc.tasks.ensure_partitions",
        "schedule": 24 * 60 * 60,
    },
    "activities-flag-overdue-next-steps": {
        "task": "accounts.tasks.activities_flag_overdue",
        "schedule": 24 * 60 * 60,
    },
    "leads-rescore-open": {
        "task": "leads.tasks.leads_rescore_open",
        "schedule": 24 * 60 * 60,
    },
    "opportunities-bid-reminders": {
        "task": "opportunities.tasks.send_bid_reminders",
        "schedule": 60 * 60,
    },
    "contracts-late-delivery-reminders": {
        "task": "contracts.tasks.send_late_delivery_reminders",
        "schedule": 24 * 60 * 60,
    },
    "keyaccounts-recompute-tiers": {
        "task": "keyaccounts.tasks.recompute_tiers",
        "schedule": 24 * 60 * 60,
    },
    # The funnel rollup (ADR 33): the keys marked dirty since, every 5 minutes; whole, nightly.
    "keyaccounts-refresh-funnel-rollup": {
        "task": "keyaccounts.tasks.refresh_funnel_rollup_dirty",
        "schedule": 5 * 60,
    },
    "keyaccounts-rebuild-funnel-rollup": {
        "task": "keyaccounts.tasks.refresh_funnel_rollup",
        "schedule": crontab(hour=3, minute=15),
    },
    "keyaccounts-refresh-matrix": {
        "task": "keyaccounts.tasks.refresh_matrix",
        "schedule": 24 * 60 * 60,
    },
    "keyaccounts-open-renewals": {
        "task": "keyaccounts.tasks.open_renewal_opportunities",
        "schedule": 24 * 60 * 60,
    },
    # Rebates: ended periods become issued statements, once each (ADR 22), daily at 02:30.
    "channels-rebate-statements": {
        "task": "channels.tasks.rebate_statements_close",
        "schedule": crontab(hour=2, minute=30),
    },
    "integrations-purge-idempotency-keys": {
        "task": "integrations.tasks.purge_idempotency_records",
        "schedule": 60 * 60,
    },
    "integrations-publish-milestone-events": {
        "task": "integrations.tasks.publish_milestone_events",
        "schedule": 15 * 60,
    },
    # Collections: fixed-date milestones fall due and payment reminders go out, daily at 07:00.
    "receivables-daily-scan": {
        "task": "receivables.tasks.scan_payment_milestones",
        "schedule": crontab(hour=7, minute=0),
    },
    # The ageing by org unit for managers and finance (receivables.rollups), about a second's
    # work at a million records; read only while younger than AGEING_ROLLUP_MAX_AGE.
    "receivables-refresh-ageing-rollup": {
        "task": "receivables.tasks.refresh_ageing_rollup",
        "schedule": 60,
    },
    # The cash-in forecast (receivables.forecast, ADR 29): every open milestone's expected
    # payment date from payment history, once an hour (the page shows its age).
    "receivables-refresh-cash-forecast": {
        "task": "receivables.tasks.refresh_cash_forecast",
        "schedule": 3600,
    },
    # Customer registrations (客户报备) past their date: renewed if the account was worked,
    # else expired and the holder told; each once (the state change is the claim).
    "accounts-expire-registrations": {
        "task": "accounts.tasks.registrations_expire",
        "schedule": 60 * 60,
    },
    # Partner qualifications (资质) about to expire: their managers reminded, once each.
    "partners-qualification-reminders": {
        "task": "partners.tasks.qualifications_remind",
        "schedule": 24 * 60 * 60,
    },
    # Credit sharing: signed contracts and allocated receipts credited to their people.
    "mailin-poll": {"task": "mailin.tasks.poll_mailboxes", "schedule": 60},
    "incentives-credit": {
        "task": "incentives.tasks.credit_pending",
        "schedule": 5 * 60,
    },
    # The gate-flow rollup (ADR 28): deals whose audit trail moved, rebuilt from it.
    "insights-gate-flow": {
        "task": "insights.tasks.gate_flow_refresh",
        "schedule": 10 * 60,
    },
    # Saved reports e-mailed as Excel files (ADR 32): each due one once per period.
    "reports-send-scheduled": {
        "task": "reports.tasks.send_scheduled_reports",
        "schedule": 60 * 60,
    },
    # The win model (ADR 31): retrained from the closed deals nightly, open deals predicted.
    "insights-win-model": {
        "task": "insights.tasks.win_model_train",
        "schedule": 24 * 60 * 60,
    },
}

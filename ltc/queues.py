"""Celery queues per workload (issue 24.6, ADR 36): which queue each task goes to.

Each queue has its own worker pool (docker-compose.yml: one service per queue, scaled on its
own), so a long import or a rollup refresh never holds up the notification a gate decision
sends. A task is routed by its exact name first, then by the first name pattern it matches, in
the order below; `tests/ltc/test_queues.py` fails when a registered task reaches none of them
(it would otherwise land unnoticed on the `default` queue, which only the batch pool drains).
"""

from __future__ import annotations

from kombu import Queue

#: queue -> (what runs there, the worker concurrency docker-compose.yml gives its pool).
QUEUES: dict[str, tuple[str, int]] = {
    "interactive": ("e-mails and chat messages a person waits for (notifications, gates)", 4),
    "reminders": ("scheduled scans that remind, escalate and expire, each once", 2),
    "imports": ("validating and committing uploaded imports", 1),
    "webhooks": ("outbound webhooks, the outbox flush, mailbox polling", 2),
    "rollups": ("rollup refreshes, on-demand jobs and nightly maintenance", 1),
    "training": ("the insights app's model training and analysis", 1),
}

#: The queue a task reaches none of the routes below falls to (the rollups pool drains it).
DEFAULT_QUEUE = "default"

_EXACT: dict[str, str] = {
    # Interactive: someone is waiting for these.
    "ltc.tasks.send_notification_emails": "interactive",
    "messaging.tasks.send_chat_deliveries": "interactive",
    "messaging.tasks.send_due_chat_deliveries": "interactive",
    # Reminders and other once-per-key scans.
    "ltc.tasks.send_approval_reminders": "reminders",
    "ltc.tasks.send_daily_digests": "reminders",
    "accounts.tasks.activities_flag_overdue": "reminders",
    "accounts.tasks.registrations_expire": "reminders",
    "contracts.tasks.send_late_delivery_reminders": "reminders",
    "opportunities.tasks.send_bid_reminders": "reminders",
    "partners.tasks.qualifications_remind": "reminders",
    "receivables.tasks.scan_payment_milestones": "reminders",
    "keyaccounts.tasks.open_renewal_opportunities": "reminders",
    "reports.tasks.send_scheduled_reports": "reminders",
    # The outbox publishes what the broker refused; mail in is I/O to another system.
    "ltc.tasks.flush_outbox": "webhooks",
    "mailin.tasks.poll_mailboxes": "webhooks",
    # Batch work: on-demand job runs, statements, scoring, index upkeep.
    "ltc.tasks.run_job": "rollups",
    "ltc.tasks.ensure_custom_field_indexes": "rollups",
    "ltc.tasks.ensure_partitions": "rollups",
    "channels.tasks.rebate_statements_close": "rollups",
    "incentives.tasks.credit_pending": "rollups",
    "keyaccounts.tasks.recompute_tiers": "rollups",
    "leads.tasks.leads_rescore_open": "rollups",
    # The gate flow is a rollup of the audit trail, not a model (the pattern below is training).
    "insights.tasks.gate_flow_refresh": "rollups",
}

# Patterns, in order: tasks other engineers add later land on the right pool by their name.
_PATTERNS: list[tuple[str, str]] = [
    ("*.tasks.import_*", "imports"),
    ("*.tasks.*_import*", "imports"),
    ("integrations.tasks.*", "webhooks"),
    ("*.tasks.*webhook*", "webhooks"),
    ("insights.tasks.*", "training"),
    ("*.tasks.*train*", "training"),
    ("*.tasks.refresh_*", "rollups"),
    ("*.tasks.*rollup*", "rollups"),
    ("*.tasks.*remind*", "reminders"),
]

#: CELERY_TASK_ROUTES: exact names first (Celery's MapRoute), then the patterns in order.
ROUTES: dict[str, dict[str, str]] = {
    **{name: {"queue": queue} for name, queue in _EXACT.items()},
    **{pattern: {"queue": queue} for pattern, queue in _PATTERNS},
}

#: CELERY_TASK_QUEUES: a worker started without `-Q` drains every queue (one process does all
#: the work, as in development); `-Q imports` picks one.
TASK_QUEUES = [Queue(name) for name in (*QUEUES, DEFAULT_QUEUE)]

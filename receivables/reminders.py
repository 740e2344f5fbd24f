"""The daily collections scan: fixed-date milestones fall due, and the reminder ladder goes out.

The ladder, by days relative to the due date: N days before (settings
RECEIVABLES_REMINDER_DAYS_BEFORE, e.g. 7/3/1) and on the day to the AR; overdue at +1 day to
the AR, at +7 also to the sales manager, at +30 also to finance and the representative
office's managers. A milestone is at one step a day (the latest it has reached); a step the
scan missed (it did not run that day, or the milestone fell due late) is not sent afterwards.

Exactly once (docs/adr/0007-collections-reminders-exactly-once.md): each (milestone, step) is
claimed by inserting a MilestoneReminder row with ON CONFLICT DO NOTHING, tagged with this
run's id; the run notifies only for the rows it inserted itself, in the same transaction. A
second run, a concurrent one or a redelivered task finds the rows claimed and sends nothing; a
run that dies mid-way has committed whole batches only, and the next run does the rest. The
scan is set-based: one range query per step over the (state, due_date) index, in keyset
batches.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections import defaultdict
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction
from django.db.models import Exists, OuterRef
from django.urls import reverse
from django.utils import timezone, translation

from accounts.models import OrgUnit
from core.bulk import copy_insert
from core.choices import OrgUnitKind, Role
from core.jobs import enqueue
from core.messages import call, day, message, money, render
from core.models import Notification

from .choices import OPEN_MILESTONE_STATES, MilestoneState, ReminderKind
from .models import MilestoneReminder, PaymentMilestone, ReminderScan
from .services import date_milestones_fall_due
from .services.plan import NOT_RUNNING

AR, MANAGER, FINANCE, OFFICE = "ar", "manager", "finance", "office"
NOTIFICATION_KIND = "payment_reminder"


@dataclass(frozen=True)
class Step:
    kind: str
    offset: int  # days after the due date (negative: before)
    audience: tuple[str, ...]


def days_before() -> list[int]:
    configured = getattr(settings, "RECEIVABLES_REMINDER_DAYS_BEFORE", (7, 3, 1))
    return sorted({int(n) for n in configured if int(n) > 0}, reverse=True)


def ladder() -> list[Step]:
    """The steps in order of their offset."""
    return [
        *(Step(f"before_{n}", -n, (AR,)) for n in days_before()),
        Step(ReminderKind.DUE.value, 0, (AR,)),
        Step(ReminderKind.OVERDUE_1.value, 1, (AR,)),
        Step(ReminderKind.OVERDUE_7.value, 7, (AR, MANAGER)),
        Step(ReminderKind.OVERDUE_30.value, 30, (AR, MANAGER, FINANCE, OFFICE)),
    ]


class Audience:
    """Who is told, per org unit: computed once per scan from the org tree and the managers
    and finance users in it (a few hundred rows), never per milestone."""

    def __init__(self) -> None:
        self.units = {u.pk: u for u in OrgUnit.objects.only("pk", "path", "kind")}
        self.by_unit: dict[tuple[int, str], list[int]] = defaultdict(list)
        for user_id, unit_id, role in (
            get_user_model()
            .objects.filter(
                is_active=True, role__in=[Role.SALES_MANAGER, Role.FINANCE], org_unit__isnull=False
            )
            .values_list("pk", "org_unit_id", "role")
        ):
            self.by_unit[(unit_id, role)].append(user_id)
        self._cache: dict[tuple[int, str], list[int]] = {}

    def _chain(self, unit_id: int) -> list[int]:
        """The unit and its ancestors, nearest first."""
        unit = self.units.get(unit_id)
        return list(reversed(unit.ancestor_ids())) if unit else []

    def of(self, unit_id: int, who: str) -> list[int]:
        key = (unit_id, who)
        if key not in self._cache:
            self._cache[key] = self._compute(unit_id, who)
        return self._cache[key]

    def _compute(self, unit_id: int, who: str) -> list[int]:
        chain = self._chain(unit_id)
        if who == MANAGER:  # the nearest unit up the tree that has a sales manager
            for pk in chain:
                if self.by_unit.get((pk, Role.SALES_MANAGER)):
                    return list(self.by_unit[(pk, Role.SALES_MANAGER)])
            return []
        if who == FINANCE:  # finance whose unit contains the contract's unit
            return [u for pk in chain for u in self.by_unit.get((pk, Role.FINANCE), [])]
        if who == OFFICE:  # the managers of the representative office above the unit
            for pk in chain:
                if self.units[pk].kind == OrgUnitKind.OFFICE:
                    return list(self.by_unit.get((pk, Role.SALES_MANAGER), []))
            return []
        return []

    def recipients(self, row: dict, step: Step) -> list[int]:
        found: list[int] = []
        for who in step.audience:
            ids = (
                [row["contract__owner_id"]]
                if who == AR
                else self.of(row["contract__org_unit_id"], who)
            )
            found += [pk for pk in ids if pk is not None and pk not in found]
        return found


@dataclass
class ScanResult:
    run: uuid.UUID
    made_due: int = 0
    reminders: int = 0
    notifications: int = 0
    emails_requeued: int = 0
    by_kind: dict[str, int] = field(default_factory=dict)


def _message(row: dict, step: Step, today: dt.date) -> dict:
    """What one reminder says, as a message code rendered in each reader's language."""
    outstanding = row["amount"] - row["paid_amount"] - row["written_off_amount"]
    days = (today - row["due_date"]).days
    code = "before" if days < 0 else "today" if days == 0 else "overdue"
    return message(
        f"payment_reminder.{code}",
        what=f"{row['contract__number']} · {row['name']}",
        amount=money(outstanding, row["currency"]),
        n=abs(days),
        date=day(row["due_date"]),
        customer=row["contract__customer__name"],
        step=call("receivables.choices.reminder_label", step.kind),
    )


def _candidates(step: Step, next_step: Step | None, today: dt.date):
    """Open milestones that have reached `step` but not the next one, not reminded of it."""
    qs = PaymentMilestone.objects.filter(
        state__in=OPEN_MILESTONE_STATES,
        due_date__lte=today - dt.timedelta(days=step.offset),
    ).exclude(state=MilestoneState.PLANNED, contract__state__in=NOT_RUNNING)
    if next_step is not None:
        qs = qs.filter(due_date__gt=today - dt.timedelta(days=next_step.offset))
    return qs.exclude(
        Exists(MilestoneReminder.objects.filter(milestone=OuterRef("pk"), kind=step.kind))
    )


FIELDS = [
    "pk",
    "name",
    "amount",
    "paid_amount",
    "written_off_amount",
    "currency",
    "due_date",
    "contract__number",
    "contract__owner_id",
    "contract__org_unit_id",
    "contract__customer__name",
]


NOTE_FIELDS = (
    "recipient_id",
    "kind",
    "message",
    "title",
    "body",
    "url",
    "target_type_id",
    "target_id",
)
MESSAGE_AT = NOTE_FIELDS.index("message")


def _write_notifications(notes: list[tuple]) -> list[int]:
    """Insert the notifications (values of NOTE_FIELDS); their ids come back in order. With
    COPY on PostgreSQL: a Notification object per reminder cost more than its insert."""
    if connection.vendor == "postgresql":
        as_json = [
            (*n[:MESSAGE_AT], json.dumps(n[MESSAGE_AT]), *n[MESSAGE_AT + 1 :]) for n in notes
        ]
        return copy_insert(Notification, NOTE_FIELDS, as_json)
    created = Notification.objects.bulk_create(
        [Notification(**dict(zip(NOTE_FIELDS, note, strict=True))) for note in notes],
        batch_size=2000,
    )
    return [n.pk for n in created]


def _send_batch(rows, step, today, result, recipients, users, target_type) -> None:
    """Claim and notify one batch, in one transaction."""
    with transaction.atomic():
        MilestoneReminder.objects.bulk_create(
            [
                MilestoneReminder(
                    milestone_id=row["pk"],
                    kind=step.kind,
                    due_date=row["due_date"],
                    sent_on=today,
                    run=result.run,
                    recipient_ids=recipients[row["pk"]],
                )
                for row in rows
            ],
            ignore_conflicts=True,
        )
        claimed = set(
            MilestoneReminder.objects.filter(
                run=result.run, kind=step.kind, milestone_id__in=[r["pk"] for r in rows]
            ).values_list("milestone_id", flat=True)
        )
        rows = [row for row in rows if row["pk"] in claimed]
        # One message per milestone, rendered in each reader's language when read; the English
        # title is kept for the admin.
        messages = {row["pk"]: _message(row, step, today) for row in rows}
        with translation.override("en"):
            titles = {pk: render(m)[0][:255] for pk, m in messages.items()}
        url = reverse("receivables:milestone-detail", args=[999999999]).replace("999999999", "{}")
        kind = f"{NOTIFICATION_KIND}.{step.kind}"
        notes, email_now = [], []
        for row in rows:
            for user_id in recipients[row["pk"]]:
                user = users.get(user_id)
                if user is None:
                    continue
                notes.append(
                    (
                        user_id,
                        kind,
                        messages[row["pk"]],
                        titles[row["pk"]],
                        "",
                        url.format(row["pk"]),
                        target_type.pk,
                        row["pk"],
                    )
                )
                email_now.append(bool(user["email"]) and not user["email_digest"])
        created = _write_notifications(notes)
        ids = [pk for pk, now in zip(created, email_now, strict=True) if now]
        if ids:
            from core.tasks import send_notification_emails

            enqueue(send_notification_emails, ids)
        result.reminders += len(claimed)
        result.notifications += len(created)
        result.by_kind[step.kind] = result.by_kind.get(step.kind, 0) + len(claimed)


def _requeue_unsent_emails(result: ScanResult) -> None:
    """E-mails of reminders whose send was lost (a worker died after the commit, before the
    e-mail task was queued): queue them again. Sending claims each row, so nothing doubles."""
    now = timezone.now()
    ids = list(
        Notification.objects.filter(
            kind__startswith=f"{NOTIFICATION_KIND}.",
            emailed_at__isnull=True,
            created_at__gte=now - dt.timedelta(days=2),
            created_at__lte=now - dt.timedelta(minutes=30),
            recipient__email_digest=False,
            recipient__is_active=True,
        )
        .exclude(recipient__email="")
        .values_list("pk", flat=True)[:5000]
    )
    if ids:
        from core.tasks import send_notification_emails

        enqueue(send_notification_emails, ids)
    result.emails_requeued = len(ids)


def scan(*, today: dt.date | None = None, batch: int = 500) -> ScanResult:
    """Run the daily scan for `today` (default: the local date). Safe to run any number of
    times, concurrently too: every reminder goes out once."""
    today = today or timezone.localdate()
    result = ScanResult(run=uuid.uuid4())
    record = ReminderScan.objects.create(run=result.run, scan_date=today)
    result.made_due = date_milestones_fall_due(today=today)
    audience = Audience()
    target_type = ContentType.objects.get_for_model(PaymentMilestone)
    user_fields = ("pk", "language", "email", "email_digest")
    steps = ladder()
    for index, step in enumerate(steps):
        next_step = steps[index + 1] if index + 1 < len(steps) else None
        candidates = _candidates(step, next_step, today).order_by("pk")
        last = 0
        while True:
            rows = list(candidates.filter(pk__gt=last).values(*FIELDS)[:batch])
            if not rows:
                break
            last = rows[-1]["pk"]
            recipients = {row["pk"]: audience.recipients(row, step) for row in rows}
            wanted = {pk for ids in recipients.values() for pk in ids}
            users = {
                u["pk"]: u
                for u in get_user_model()
                .objects.filter(pk__in=wanted, is_active=True)
                .values(*user_fields)
            }
            _send_batch(rows, step, today, result, recipients, users, target_type)
    _requeue_unsent_emails(result)
    ReminderScan.objects.filter(pk=record.pk).update(
        finished_at=timezone.now(),
        made_due=result.made_due,
        reminders=result.reminders,
        notifications=result.notifications,
    )
    return result

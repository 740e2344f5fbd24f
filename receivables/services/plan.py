"""Writes on payment plans: set a plan, make milestones due when their trigger happens, and
make on-date milestones due in the daily scan.

Money rules (docs/adr/0002-money.md): Decimal only; a plan totals its contract's amount
exactly, the rounding remainder on the last milestone.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from contracts.choices import ContractState
from contracts.models import Contract
from core import policy
from core.audit import audit_record
from core.errors import Conflict, Forbidden, ValidationFailed
from core.fsm import transition_run
from core.messages import label, message
from core.models import AuditEvent
from core.money import format_money, quantize, split_by_percentages

from ..choices import MilestoneState, MilestoneTrigger
from ..models import PaymentMilestone, PaymentTrigger
from .common import ZERO

#: Contracts whose planned milestones never fall due: not signed yet, or ended early.
NOT_RUNNING = [ContractState.DRAFT, ContractState.TERMINATED]


def _plan_amounts(contract: Contract, milestones: list[dict[str, Any]]) -> list[Decimal]:
    uses_pct = [m.get("percentage") is not None for m in milestones]
    if any(uses_pct) and not all(uses_pct):
        raise ValidationFailed(
            _("Give every milestone a percentage, or every one an amount."),
            fields={"milestones": [_("Mixed percentages and amounts.")]},
        )
    if all(uses_pct):
        percentages = [Decimal(str(m["percentage"])) for m in milestones]
        total_pct = sum(percentages, ZERO)
        if total_pct != 100:
            raise ValidationFailed(
                _("Percentages add up to %(total)s, not 100.") % {"total": total_pct},
                fields={"milestones": [_("Must total 100%.")]},
            )
        amounts = split_by_percentages(contract.amount, percentages)
    else:
        amounts = [quantize(m["amount"]) for m in milestones]
        total = sum(amounts, ZERO)
        if total != quantize(contract.amount):
            raise ValidationFailed(
                _("Milestones add up to %(total)s, the contract to %(amount)s.")
                % {
                    "total": format_money(total, contract.currency),
                    "amount": format_money(contract.amount, contract.currency),
                },
                fields={"milestones": [_("Must total the contract amount.")]},
            )
    if any(a <= 0 for a in amounts):
        raise ValidationFailed(
            _("Every milestone needs an amount above zero."),
            fields={"milestones": [_("Amount must be positive.")]},
        )
    for m in milestones:
        if m.get("trigger") == MilestoneTrigger.ON_DATE and not m.get("trigger_date"):
            raise ValidationFailed(
                _("A milestone on a fixed date needs its date."),
                fields={"milestones": [_("Trigger date required for a fixed date.")]},
            )
    return amounts


def _has_history(milestones) -> bool:
    """Whether money or a decision ever touched these milestones (even if since reversed):
    then the plan is changed by amendment, never replaced."""
    return (
        milestones.exclude(paid_amount=0).exists()
        or milestones.exclude(invoiced_amount=0).exists()
        or milestones.exclude(written_off_amount=0).exists()
        or milestones.filter(allocations__isnull=False).exists()
        or milestones.filter(invoices__isnull=False).exists()
        or milestones.filter(write_off_requests__isnull=False).exists()
    )


def payment_plan_set(
    *, contract: Contract, by: User, milestones: list[dict[str, Any]]
) -> list[PaymentMilestone]:
    """Replace the contract's payment plan. Each milestone gives `percentage` or `amount`;
    the plan must total the contract amount exactly (percentages: 100, remainder to the last).
    Triggers that already happened (signing, arrival ...) make their milestones due at once.
    A plan that money has touched cannot be replaced: it changes by amendment."""
    if not policy.can(by, contract, "change") and not (
        by.is_finance and policy.can(by, contract, "view")
    ):
        raise Forbidden(_("You may not change this contract's payment plan."))
    if not milestones:
        raise ValidationFailed(
            _("A plan needs at least one milestone."), fields={"milestones": [_("Required.")]}
        )
    amounts = _plan_amounts(contract, milestones)
    with transaction.atomic():
        Contract.objects.select_for_update().get(pk=contract.pk)
        existing = PaymentMilestone.objects.filter(contract=contract)
        if _has_history(existing):
            raise Conflict(
                _("Money has been applied to this plan; change it by amendment."),
                code="plan_has_money",
            )
        before = [[m.name, str(m.amount)] for m in existing]
        existing.delete()
        created = PaymentMilestone.objects.bulk_create(
            PaymentMilestone(
                contract=contract,
                sequence=i,
                kind=m["kind"],
                name=m.get("name") or str(m["kind"]),
                percentage=m.get("percentage"),
                amount=amount,
                currency=contract.currency,
                trigger=m.get("trigger", MilestoneTrigger.ON_SIGNING),
                trigger_date=m.get("trigger_date"),
                credit_days=m.get("credit_days", 0),
                due_date=(
                    m["trigger_date"] + dt.timedelta(days=m.get("credit_days", 0))
                    if m.get("trigger_date")
                    else None
                ),
            )
            for i, (m, amount) in enumerate(zip(milestones, amounts, strict=True), start=1)
        )
        audit_record(
            target=contract,
            action="payment_plan.set",
            actor=by,
            changes={
                "milestones": [[m.name, str(m.amount)] for m in created],
                **({"replaced": before} if before else {}),
            },
        )
        apply_known_triggers(contract=contract, by=by)
    return list(PaymentMilestone.objects.filter(contract=contract).order_by("sequence", "pk"))


def apply_known_triggers(*, contract: Contract, by: User | None) -> list[PaymentMilestone]:
    """Make due every planned milestone whose trigger already happened: signing, recorded
    delivery triggers, and fixed dates that have passed."""
    if contract.state in NOT_RUNNING or contract.signed_on is None:
        return []
    due = milestones_fall_due(
        contract=contract, trigger=MilestoneTrigger.ON_SIGNING, on=contract.signed_on, by=by
    )
    for occurred in PaymentTrigger.objects.filter(contract=contract).exclude(
        trigger=MilestoneTrigger.ON_SIGNING
    ):
        due += milestones_fall_due(
            contract=contract, trigger=occurred.trigger, on=occurred.occurred_on, by=by
        )
    today = timezone.localdate()
    for milestone in PaymentMilestone.objects.select_for_update().filter(
        contract=contract,
        trigger=MilestoneTrigger.ON_DATE,
        state=MilestoneState.PLANNED,
        trigger_date__lte=today,
    ):
        due.append(_fall_due(milestone, milestone.trigger_date, by))
    return due


def _fall_due(milestone: PaymentMilestone, on: dt.date, by: User | None) -> PaymentMilestone:
    milestone.triggered_on = on
    milestone.due_date = on + dt.timedelta(days=milestone.credit_days)
    return transition_run(
        milestone,
        "become_due",
        by=by,
        internal=True,
        check_policy=False,
        comment=message("note.became_due", trigger=label(MilestoneTrigger, milestone.trigger)),
        update_fields=["due_date", "triggered_on"],
    )


def milestones_fall_due(
    *, contract: Contract, trigger: str, on: dt.date, by: User | None
) -> list[PaymentMilestone]:
    """The event `trigger` happened on `on`: its planned milestones become due after their
    credit days. The first report of a trigger is remembered for plans set later."""
    with transaction.atomic():
        occurred, created = PaymentTrigger.objects.get_or_create(
            contract=contract, trigger=trigger, defaults={"occurred_on": on, "recorded_by": by}
        )
        if created and trigger != MilestoneTrigger.ON_SIGNING:
            audit_record(
                target=contract,
                action="payment_trigger.recorded",
                actor=by,
                changes={"trigger": str(MilestoneTrigger(trigger).label), "on": on},
            )
        if contract.state in NOT_RUNNING:
            return []
        return [
            _fall_due(milestone, occurred.occurred_on, by)
            for milestone in PaymentMilestone.objects.select_for_update().filter(
                contract=contract, trigger=trigger, state=MilestoneState.PLANNED
            )
        ]


def date_milestones_fall_due(*, today: dt.date, batch: int = 500) -> int:
    """The daily scan's first step: planned milestones on a fixed date that has come become
    due, set-based in batches (one UPDATE and one audit INSERT per batch, rows others hold
    locked are left for the next run). Returns how many fell due."""
    candidates = PaymentMilestone.objects.filter(
        trigger=MilestoneTrigger.ON_DATE,
        state=MilestoneState.PLANNED,
        trigger_date__lte=today,
        contract__signed_on__isnull=False,
    ).exclude(contract__state__in=NOT_RUNNING)
    target_type = ContentType.objects.get_for_model(PaymentMilestone)
    comment = str(MilestoneTrigger.ON_DATE.label)
    total = 0
    while True:
        with transaction.atomic():
            ids = list(
                candidates.select_for_update(skip_locked=True, of=("self",))
                .order_by("pk")
                .values_list("pk", flat=True)[:batch]
            )
            if not ids:
                return total
            now = timezone.now()
            PaymentMilestone.objects.filter(pk__in=ids, state=MilestoneState.PLANNED).update(
                state=MilestoneState.DUE,
                triggered_on=F("trigger_date"),
                version=F("version") + 1,
                state_changed_at=now,
                updated_at=now,
            )
            AuditEvent.objects.bulk_create(
                AuditEvent(
                    target_type=target_type,
                    target_id=pk,
                    action="transition",
                    transition="become_due",
                    from_state=MilestoneState.PLANNED,
                    to_state=MilestoneState.DUE,
                    comment=comment,
                    via="system",
                )
                for pk in ids
            )
            total += len(ids)

"""Re-planning a payment plan after a contract amendment changed the contract amount.

What has been paid, written off or invoiced stays; the difference is spread over the
milestones still open, by their percentages (or amounts), the rounding remainder to the last,
so the plan again totals the contract amount exactly.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from contracts.models import Contract
from core.audit import audit_record
from core.errors import Conflict
from core.messages import message, money
from core.money import CENT, format_money, quantize

from ..choices import SETTLED_STATES, MilestoneKind, MilestoneTrigger
from ..models import PaymentMilestone
from .common import ZERO, restate
from .plan import apply_known_triggers


@dataclass
class Share:
    """One open milestone in a re-plan: its weight, its amount now, the least it may keep."""

    key: int
    weight: Decimal
    current: Decimal
    floor: Decimal


def spread(delta: Decimal, shares: list[Share]) -> dict[int, Decimal]:
    """New amounts after spreading `delta` over `shares` by weight, the remainder to the last.

    A share that would fall below its floor keeps its floor and the rest is spread again over
    the others. Raises ValueError when the floors leave too little room for `delta`.
    """
    result: dict[int, Decimal] = {}
    active, remaining = list(shares), delta
    while active:
        weights = [s.weight if s.weight > 0 else Decimal(1) for s in active]
        total = sum(weights, ZERO)
        parts = [quantize(remaining * w / total) for w in weights[:-1]]
        parts.append(remaining - sum(parts, ZERO))
        below = [s for s, part in zip(active, parts, strict=True) if s.current + part < s.floor]
        if not below:
            for share, part in zip(active, parts, strict=True):
                result[share.key] = share.current + part
            return result
        for share in below:
            result[share.key] = share.floor
            remaining -= share.floor - share.current
            active.remove(share)
    if remaining != 0:
        raise ValueError("not enough room")
    return result


def _floor(milestone: PaymentMilestone) -> Decimal:
    locked = max(milestone.paid_amount + milestone.written_off_amount, milestone.invoiced_amount)
    if locked > 0:
        return locked
    history = (
        milestone.allocations.exists()
        or milestone.invoices.exists()
        or milestone.write_off_requests.exists()
    )
    return CENT if history else ZERO


def payment_plan_replan(
    *, contract: Contract, amendment, by: User | None
) -> list[PaymentMilestone]:
    """Re-plan the unpaid part of the contract's payment plan so that it totals the amended
    contract amount again; audited with the amendment's version. Refused (409, which rolls
    the amendment back) if the contract would fall below what is already paid or invoiced."""
    version = getattr(amendment, "version", "")
    with transaction.atomic():
        milestones = list(
            PaymentMilestone.objects.select_for_update()
            .filter(contract=contract)
            .order_by("sequence", "pk")
        )
        if not milestones:
            return []
        target = quantize(contract.amount)
        delta = target - sum((m.amount for m in milestones), ZERO)
        if delta == 0:
            return []
        open_ones = [m for m in milestones if m.state not in SETTLED_STATES]
        by_pct = all(m.percentage is not None for m in milestones)
        shares = [
            Share(m.pk, m.percentage if by_pct else m.amount, m.amount, _floor(m))
            for m in open_ones
        ]
        new_amounts = _spread_or_refuse(milestones, shares, delta, target)
        comment = _("Amendment v%(version)s") % {"version": version}
        changes = _apply_amounts(open_ones, new_amounts, version=version, by=by)
        if not shares:
            added = _milestone_for_the_rest(contract, milestones[-1], delta, name=comment)
            changes[added.name] = ["0", str(delta)]
        result = list(PaymentMilestone.objects.filter(contract=contract).order_by("sequence"))
        if by_pct:
            _restate_percentages(result, target)
        audit_record(
            target=contract,
            action="payment_plan.replanned",
            actor=by,
            comment=str(getattr(amendment, "summary", "")),
            changes={
                "amendment": version,
                "amount": [str(getattr(amendment, "amount_before", "")), str(target)],
                "milestones": changes,
            },
        )
        apply_known_triggers(contract=contract, by=by)
    return result


def _spread_or_refuse(
    milestones: list[PaymentMilestone], shares: list[Share], delta: Decimal, target: Decimal
) -> dict[int, Decimal]:
    """The open milestones' new amounts (by primary key), the change spread over them; a 409
    when the plan cannot fall that far (what is paid, written off or invoiced is kept)."""
    try:
        new_amounts = spread(delta, shares) if shares else {}
    except ValueError:
        new_amounts = None
    if new_amounts is None or (not shares and delta < 0):
        kept = sum((s.floor for s in shares), ZERO) + sum(
            (m.amount for m in milestones if m.state in SETTLED_STATES), ZERO
        )
        currency = milestones[0].currency if milestones else ""
        raise Conflict(
            _(
                "The amended amount %(amount)s is below what has been paid, written off or "
                "invoiced on the payment plan (%(kept)s)."
            )
            % {
                "amount": format_money(target, currency),
                "kept": format_money(kept, currency),
            },
            code="amendment_below_collected",
        )
    return new_amounts


def _apply_amounts(
    open_ones: list[PaymentMilestone], new_amounts: dict, *, version, by: User | None
) -> dict[str, list[str]]:
    """Write the new amounts (a milestone brought to zero is deleted); what changed, by name."""
    changes: dict[str, list[str]] = {}
    for milestone in open_ones:
        new = new_amounts[milestone.pk]
        if new == milestone.amount:
            continue
        changes[milestone.name] = [str(milestone.amount), str(new)]
        if new == 0:
            milestone.delete()
            continue
        PaymentMilestone.objects.filter(pk=milestone.pk).update(
            amount=new, updated_at=timezone.now()
        )
        restate(
            milestone,
            "replan",
            by=by,
            comment=message(
                "note.replanned",
                version=version,
                old=money(milestone.amount, milestone.currency),
                new=money(new, milestone.currency),
            ),
        )
    return changes


def _milestone_for_the_rest(
    contract: Contract, last: PaymentMilestone, delta: Decimal, *, name: str
) -> PaymentMilestone:
    """Every milestone is settled: the increase becomes a new milestone, due from today."""
    return PaymentMilestone.objects.create(
        contract=contract,
        sequence=last.sequence + 1,
        kind=MilestoneKind.CUSTOM,
        name=name,
        amount=delta,
        currency=contract.currency,
        trigger=MilestoneTrigger.ON_DATE,
        trigger_date=timezone.localdate(),
        credit_days=last.credit_days,
        due_date=timezone.localdate() + dt.timedelta(days=last.credit_days),
    )


def _restate_percentages(milestones: list[PaymentMilestone], target: Decimal) -> None:
    """A plan kept in percentages: each milestone's share of the new amount."""
    for milestone in milestones:
        pct = (milestone.amount * 100 / target).quantize(Decimal("0.001"))
        PaymentMilestone.objects.filter(pk=milestone.pk).update(percentage=pct)
        milestone.percentage = pct

"""Evaluating a closed contract (合同评价): its figures, a score and the lessons learnt.

The score (0–100) weighs four judgements, each from 0 to 1, over those that are known:

- margin, weight 35: 1 when the actual gross margin reached the signed one, falling to 0 at
  ten percentage points below it;
- schedule, weight 25: the share of delivery milestones reached on (or before) their planned
  date;
- acceptance, weight 20: smooth 1, minor issues 0.6, difficult 0.2;
- collection, weight 20: the share collected, times 1 when collected within 90 days, falling
  to 0.5 at 270 days and beyond.

Days to collect and the share collected come from collections (`core.hooks.facts_for`); when
they are not known, that judgement is left out rather than guessed.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import User
from core import hooks, policy
from core.audit import audit_record
from core.errors import Conflict, Forbidden, ValidationFailed
from core.messages import message
from core.money import quantize

from ..choices import AcceptanceRating, ContractState, DeliveryMilestoneKind, DeliveryMilestoneState
from ..models import Contract, ContractEvaluation
from .contracts import contract_transition

WEIGHTS = {"margin": Decimal(35), "schedule": Decimal(25), "acceptance": Decimal(20)}
WEIGHTS["collection"] = Decimal(20)
ACCEPTANCE_SCORES = {
    AcceptanceRating.SMOOTH: Decimal("1"),
    AcceptanceRating.MINOR_ISSUES: Decimal("0.6"),
    AcceptanceRating.DIFFICULT: Decimal("0.2"),
}
HUNDRED = Decimal(100)


def _pct(part: Decimal, whole: Decimal) -> Decimal:
    return (part * HUNDRED / whole).quantize(Decimal("0.01"))


def _number(value: Any) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None
    return number if number.is_finite() else None


def evaluation_figures(contract: Contract, *, actual_cost: Decimal | None = None) -> dict:
    """The measurable part of the evaluation, as of now (the page previews it)."""
    amendments = list(contract.amendments.order_by("version"))
    signed_amount = amendments[0].amount_before if amendments else contract.amount
    signed_cost = amendments[0].cost_before if amendments else contract.planned_cost
    final_amount = contract.amount
    figures: dict[str, Any] = {
        "currency": contract.currency,
        "signed_amount": signed_amount,
        "final_amount": final_amount,
        "signed_cost": signed_cost,
        "actual_cost": actual_cost,
        "signed_margin_pct": (
            _pct(signed_amount - signed_cost, signed_amount)
            if signed_cost is not None and signed_amount
            else None
        ),
        "actual_margin_pct": (
            _pct(final_amount - actual_cost, final_amount)
            if actual_cost is not None and final_amount
            else None
        ),
        "amendments": len(amendments),
    }
    reached = [
        m for m in contract.delivery_milestones.all() if m.state == DeliveryMilestoneState.REACHED
    ]
    slips = [max(0, (m.actual_date - m.planned_date).days) for m in reached]
    on_time = sum(1 for s in slips if s == 0)
    figures.update(
        milestones_planned=len(reached),
        milestones_on_time=on_time,
        schedule_kept_pct=_pct(Decimal(on_time), Decimal(len(reached))) if reached else None,
        average_slip_days=(
            (Decimal(sum(slips)) / len(slips)).quantize(Decimal("0.1")) if slips else None
        ),
    )
    acceptance = [m for m in reached if m.kind == DeliveryMilestoneKind.ACCEPTANCE]
    figures["acceptance_slip_days"] = (
        max((m.actual_date - m.planned_date).days for m in acceptance) if acceptance else None
    )
    facts = hooks.facts_for("contracts.Contract", contract)
    days = _number(facts.get("days_to_collect"))
    collected = _number(facts.get("collected_pct"))
    figures["days_to_collect"] = int(days) if days is not None and days >= 0 else None
    figures["collected_pct"] = (
        collected.quantize(Decimal("0.01")) if collected is not None and collected >= 0 else None
    )
    return figures


def evaluation_score(figures: dict, acceptance_rating: str | None) -> Decimal | None:
    """The weighted score (see the module's docstring); None when nothing is known."""
    parts: dict[str, Decimal] = {}
    signed, actual = figures.get("signed_margin_pct"), figures.get("actual_margin_pct")
    if signed is not None and actual is not None:
        shortfall = max(Decimal(0), signed - actual)
        parts["margin"] = max(Decimal(0), 1 - shortfall / 10)
    if figures.get("schedule_kept_pct") is not None:
        parts["schedule"] = figures["schedule_kept_pct"] / HUNDRED
    if acceptance_rating in ACCEPTANCE_SCORES:
        parts["acceptance"] = ACCEPTANCE_SCORES[acceptance_rating]
    if figures.get("collected_pct") is not None:
        share = min(Decimal(1), figures["collected_pct"] / HUNDRED)
        days = figures.get("days_to_collect")
        speed = Decimal(1)
        if days is not None and days > 90:
            speed = max(Decimal("0.5"), 1 - Decimal(days - 90) / 360)
        parts["collection"] = share * speed
    if not parts:
        return None
    weight = sum(WEIGHTS[k] for k in parts)
    total = sum(WEIGHTS[k] * v for k, v in parts.items())
    return (total * HUNDRED / weight).quantize(Decimal("0.01"))


def contract_evaluate(
    *,
    contract: Contract,
    by: User,
    acceptance_rating: str,
    lessons_learnt: str,
    actual_cost: Decimal | None = None,
) -> ContractEvaluation:
    """Evaluate a closed contract: record its figures, score and lessons; it becomes
    evaluated."""
    if not policy.can(by, contract, "change"):
        raise Forbidden(_("You may not evaluate this contract."))
    if contract.state != ContractState.CLOSED:
        raise Conflict(
            _("Only a closed contract is evaluated (this one is “%(state)s”).")
            % {"state": contract.get_state_display()},
            code="contract_not_closed",
        )
    errors = {}
    if acceptance_rating not in AcceptanceRating.values:
        errors["acceptance_rating"] = [_("Choose how the acceptance went.")]
    if not (lessons_learnt or "").strip():
        errors["lessons_learnt"] = [_("Say what we learnt.")]
    if actual_cost is not None and actual_cost < 0:
        errors["actual_cost"] = [_("Cannot be negative.")]
    if errors:
        raise ValidationFailed(_("The evaluation is not complete."), fields=errors)
    actual_cost = quantize(actual_cost) if actual_cost is not None else None
    figures = evaluation_figures(contract, actual_cost=actual_cost)
    score = evaluation_score(figures, acceptance_rating)
    with transaction.atomic():
        locked = Contract.objects.select_for_update().get(pk=contract.pk)
        if ContractEvaluation.objects.filter(contract=locked).exists():
            raise Conflict(_("This contract is already evaluated."), code="already_evaluated")
        evaluation = ContractEvaluation.objects.create(
            contract=contract,
            evaluated_by=by,
            acceptance_rating=acceptance_rating,
            lessons_learnt=lessons_learnt.strip(),
            score=score if score is not None else Decimal(0),
            **figures,
        )
        audit_record(
            target=contract,
            action="contract.evaluated",
            actor=by,
            comment=message("note.score", score=evaluation.score),
        )
        contract_transition(contract=contract, name="evaluate", by=by, internal=True)
    return evaluation

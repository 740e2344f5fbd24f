"""Writes on contract changes (合同变更): raise a customer's change request, the FR takes it
up (opening the change review, always decided by the representative office) or declines it,
and an approved change becomes a versioned amendment that re-plans the contract."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import User
from core import gates, hooks, policy
from core.approvals.choices import ApprovalKind
from core.approvals.engine import requests_withdraw_for
from core.audit import audit_record
from core.choices import GateKind, OrgUnitKind, TriangleRole
from core.errors import Conflict, Forbidden, ValidationFailed
from core.fsm import transition_run
from core.messages import gate_review, label, message
from core.messages import reasons as why
from core.models import GateReview
from core.notifications import notify
from core.records import record_create, record_update

from ..choices import (
    ACTIVE_STATES,
    ChangeRequestState,
    ContractKind,
    ContractState,
    DeliveryMilestoneState,
)
from ..models import ChangeReplan, ChangeRequest, Contract, ContractAmendment, DeliveryMilestone

Replans = list[tuple[DeliveryMilestone, dt.date]]


def office_approval_reason() -> dict:
    return message("reason.change_office")


# --- Raising and editing a change request -----------------------------------------------------


def _validate(contract: Contract, data: dict[str, Any], replans: Replans | None) -> None:
    errors: dict[str, list[str]] = {}
    new_amount = data.get("new_amount")
    if new_amount is not None:
        if new_amount < 0:
            errors["new_amount"] = [_("Cannot be negative.")]
        elif contract.kind == ContractKind.CALL_OFF and contract.framework is not None:
            left = contract.framework.ceiling_left(excluding=contract)
            if left is not None and new_amount > left:
                errors["new_amount"] = [
                    _("The framework agreement has %(left)s left under its ceiling.")
                    % {"left": left}
                ]
        elif contract.kind == ContractKind.FRAMEWORK and new_amount < contract.call_offs_total():
            errors["new_amount"] = [
                _("Call-off orders already total %(placed)s.")
                % {"placed": contract.call_offs_total()}
            ]
    if data.get("new_ends_on") and contract.starts_on and data["new_ends_on"] < contract.starts_on:
        errors["new_ends_on"] = [_("The end is before the start.")]
    seen = set()
    for milestone, planned_date in replans or []:
        if milestone.contract_id != contract.pk:
            errors.setdefault("replans", []).append(
                _("%(m)s is not a milestone of this contract.") % {"m": milestone}
            )
        elif milestone.state != DeliveryMilestoneState.PLANNED:
            errors.setdefault("replans", []).append(
                _("%(m)s is no longer planned.") % {"m": milestone}
            )
        elif milestone.pk in seen:
            errors.setdefault("replans", []).append(
                _("%(m)s is re-planned twice.") % {"m": milestone}
            )
        elif planned_date is None:
            errors.setdefault("replans", []).append(_("Give each milestone its new date."))
        seen.add(milestone.pk)
    if errors:
        raise ValidationFailed(_("The change request is not valid."), fields=errors)


def _set_replans(change: ChangeRequest, replans: Replans) -> None:
    change.replans.all().delete()
    ChangeReplan.objects.bulk_create(
        ChangeReplan(change_request=change, milestone=m, planned_date=d) for m, d in replans
    )


def change_request_create(
    *, contract: Contract, by: User, data: dict[str, Any], replans: Replans | None = None
) -> ChangeRequest:
    """Record a customer's change request on a contract in execution; the FR is asked to
    decide whether to take it up."""
    if not policy.can(by, contract, "change"):
        raise Forbidden(_("You may not raise changes on this contract."))
    if contract.state not in ACTIVE_STATES:
        raise Conflict(
            _("Only a contract in execution is changed (this one is “%(state)s”).")
            % {"state": contract.get_state_display()},
            code="contract_not_active",
        )
    _validate(contract, data, replans)
    with transaction.atomic():
        change = record_create(
            ChangeRequest, by=by, data={**data, "contract": contract, "raised_by": by}
        )
        _set_replans(change, replans or [])
        audit_record(target=contract, action="change.raised", actor=by, comment=str(change))
        notify(
            recipients=[contract.team.seat(TriangleRole.FR)],
            kind="change.raised",
            exclude=by,
            message=message("change.raised", change=str(change)),
            target=change,
            email=True,
        )
    return change


def change_request_update(
    *,
    change: ChangeRequest,
    by: User,
    data: dict[str, Any],
    replans: Replans | None = None,
    expected_version: int | None = None,
) -> ChangeRequest:
    """Rework the proposal; only while it is raised (not under review, not decided)."""
    if change.state != ChangeRequestState.RAISED:
        raise Conflict(
            _("Only a raised change request is edited (this one is “%(state)s”).")
            % {"state": change.get_state_display()},
            code="change_not_raised",
        )
    _validate(change.contract, {**_proposal(change), **data}, replans)
    with transaction.atomic():
        change = record_update(change, by=by, data=data, expected_version=expected_version)
        if replans is not None:
            _set_replans(change, replans)
            audit_record(
                target=change,
                action="updated",
                actor=by,
                changes={"replans": [f"{m}: {d}" for m, d in replans]},
            )
    return change


def _proposal(change: ChangeRequest) -> dict[str, Any]:
    return {"new_amount": change.new_amount, "new_ends_on": change.new_ends_on}


# --- The FR's decision and the review ---------------------------------------------------------


def change_request_transition(
    *, change: ChangeRequest, name: str, by: User, reason: str = "", comment: str = ""
) -> ChangeRequest:
    """Take up (opens the change review), decline or withdraw a change request. Approval,
    rejection and rework come from the review's decision only."""
    with transaction.atomic():
        transition_run(change, name, by=by, reason=reason, comment=comment)
        if name == "take_up":
            review = gates.gate_open(subject=change, kind=GateKind.CHANGE, by=by)
            _escalate_to_office(review, by=by)
            ChangeRequest.objects.filter(pk=change.pk).update(review=review)
            change.review = review
        elif name == "withdraw":
            gates.gate_withdraw_open(change, by=by, reason=reason)
            requests_withdraw_for(change, by=by, kind=ApprovalKind.CONTRACT_CHANGE)
        if name in ("decline", "withdraw"):
            notify(
                recipients=[change.raised_by, change.contract.team.seat(TriangleRole.AR)],
                kind=f"change.{name}",
                exclude=by,
                message=message(
                    "change.closed",
                    change=str(change),
                    state=label(ChangeRequestState, change.state),
                ),
                body=reason,
                target=change,
            )
        audit_record(
            target=change.contract,
            action=f"change.{change.state}",
            actor=by,
            comment="\n".join(p for p in (str(change), reason) if p),
        )
    return change


def _escalate_to_office(review: GateReview, *, by: User) -> None:
    """Send the review to the representative office, whatever the authority rules say: only a
    sales manager at the office or above may approve a contract change."""
    office = review.org_unit.office()
    reason = office_approval_reason()
    reasons = list(review.escalation_reasons)
    if reason not in reasons:
        reasons.append(reason)
    # Keep an authority already at the office or above it; otherwise lift it to the office.
    above = office.path.startswith(review.authority_unit.path)
    authority = review.authority_unit if above else office
    GateReview.objects.filter(pk=review.pk).update(
        escalated=True, authority_unit=authority, escalation_reasons=reasons
    )
    review.refresh_from_db()
    gates.decision_refresh(review)  # the office's authority is asked now, not the team's
    audit_record(
        target=review.subject,
        action="gate.escalated",
        actor=by,
        comment=reason,
        changes={"gate": review.kind, "authority_unit": str(review.authority_unit)},
    )
    notify(
        recipients=gates.deciders(review),
        kind="gate.escalated",
        exclude=by,
        message=message("gate.escalated", review=gate_review(review), reasons=why([reason])),
        url=review.get_absolute_url(),
        target=review.subject,
        email=True,
    )


def check_office_authority(review: GateReview) -> None:
    """Refuse a change decision below the representative office (even if a review was opened
    some other way than by taking the change up)."""
    if review.authority_unit.kind == OrgUnitKind.TEAM:
        raise Forbidden(
            _("A contract change needs the representative office's approval."),
            code="gate_authority",
        )


# --- The review's decision --------------------------------------------------------------------


def _summary(amendment: ContractAmendment) -> str:
    parts = []
    if amendment.amount_after != amendment.amount_before:
        parts.append(
            _("Amount %(before)s → %(after)s %(currency)s")
            % {
                "before": amendment.amount_before,
                "after": amendment.amount_after,
                "currency": amendment.currency,
            }
        )
    if amendment.cost_after != amendment.cost_before:
        parts.append(
            _("planned cost %(before)s → %(after)s")
            % {"before": amendment.cost_before or "—", "after": amendment.cost_after or "—"}
        )
    if amendment.ends_on_after != amendment.ends_on_before:
        parts.append(
            _("service period end %(before)s → %(after)s")
            % {"before": amendment.ends_on_before or "—", "after": amendment.ends_on_after}
        )
    if amendment.replans:
        parts.append(
            _("%(count)s delivery milestone(s) re-planned") % {"count": len(amendment.replans)}
        )
    if amendment.scope:
        parts.append(_("scope: %(scope)s") % {"scope": amendment.scope.splitlines()[0][:200]})
    return "; ".join(parts) or _("No change to amount, schedule or scope.")


def change_approve(
    *, change: ChangeRequest, review: GateReview, by: User, by_chain: bool = False
) -> ContractAmendment:
    """The representative office said go: make the next amendment version, apply it to the
    contract (amount, planned cost, service period end) and its delivery milestones, and
    announce `contract.changed` so collections re-plan the payment milestones. `by_chain`:
    the last step of the contract-change chain approved (the engine said `by` may)."""
    check_office_authority(review)
    writable = not by_chain
    contract = Contract.objects.select_for_update().get(pk=change.contract_id)
    if contract.state not in (*ACTIVE_STATES, ContractState.SUSPENDED):
        raise Conflict(
            _("The contract is “%(state)s”: it can no longer be amended.")
            % {"state": contract.get_state_display()},
            code="contract_not_active",
        )
    replans = []
    for replan in change.replans.select_related("milestone"):
        milestone = DeliveryMilestone.objects.select_for_update().get(pk=replan.milestone_id)
        if milestone.state != DeliveryMilestoneState.PLANNED:
            raise Conflict(
                _("%(m)s was %(state)s meanwhile; rework the change.")
                % {"m": milestone, "state": milestone.get_state_display()},
                code="replan_stale",
            )
        replans.append((milestone, replan.planned_date))
    cost_after = contract.planned_cost
    if change.cost_impact is not None and contract.planned_cost is not None:
        cost_after = contract.planned_cost + change.cost_impact
    amendment = ContractAmendment(
        contract=contract,
        change_request=change,
        review=review,
        version=contract.amendments.count() + 1,
        currency=contract.currency,
        amount_before=contract.amount,
        amount_after=contract.amount if change.new_amount is None else change.new_amount,
        cost_before=contract.planned_cost,
        cost_after=cost_after,
        ends_on_before=contract.ends_on,
        ends_on_after=change.new_ends_on or contract.ends_on,
        scope=change.scope,
        replans=[
            {
                "milestone": m.pk,
                "name": str(m),
                "kind": m.kind,
                "before": m.planned_date.isoformat(),
                "after": d.isoformat(),
            }
            for m, d in replans
        ],
        approved_by=by,
    )
    if amendment.cost_after is not None and amendment.cost_after < 0:
        raise ValidationFailed(
            _("The planned cost would fall below zero."),
            fields={"cost_impact": [_("Too large a reduction.")]},
        )
    amendment.summary = _summary(amendment)
    terms = {
        "amount": amendment.amount_after,
        "planned_cost": amendment.cost_after,
        "ends_on": amendment.ends_on_after,
    }
    record_update(
        contract,
        by=by,
        data={k: v for k, v in terms.items() if v != getattr(contract, k)},
        check_scope=writable,
    )
    for milestone, planned_date in replans:
        record_update(milestone, by=by, data={"planned_date": planned_date}, check_scope=writable)
    amendment.save()
    transition_run(
        change,
        "approve",
        by=by,
        comment=review.decision_comment,
        internal=True,
        check_policy=writable,
    )
    audit_record(
        target=contract,
        action="contract.amended",
        actor=by,
        comment=message("note.amended", version=amendment.version, summary=amendment.summary),
    )
    hooks.emit("contract.changed", contract=contract, amendment=amendment, by=by)
    return amendment


def change_reject(
    *, change: ChangeRequest, review: GateReview, by: User, reason: str | None = None
) -> ChangeRequest:
    """The representative office (or a later step of the change's approval chain, saying
    `reason`) refused the change: the contract stays as it is."""
    check_office_authority(review)
    transition_run(
        change,
        "reject",
        by=by,
        reason=review.decision_comment if reason is None else reason,
        internal=True,
        check_policy=reason is None,
    )
    audit_record(target=change.contract, action="change.rejected", actor=by, comment=str(change))
    return change


def change_rework(
    *, change: ChangeRequest, review: GateReview, by: User, reason: str | None = None
) -> ChangeRequest:
    """Hold (or a later step sent it back, saying `reason`): the proposal goes back to be
    reworked, then taken up for a new round."""
    check_office_authority(review)
    transition_run(
        change,
        "rework",
        by=by,
        reason=review.decision_comment if reason is None else reason,
        internal=True,
        check_policy=reason is None,
    )
    return change

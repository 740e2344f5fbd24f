"""Contract changes (合同变更) on the approval engine (ADR 17, kind `contract_change`).

The representative office decides a change at its change review (a gate: the iron triangle
assesses, the office's authority decides, ADR 11); the office's go is then followed by the
steps of the company's contract-change chain, when an administrator defined one (a finance
or legal step above an amount, say). With none (the default: no steps) the office's go makes
the amendment at once, as before chains were data. A later step's approval makes the
amendment, its rejection refuses the change, a send-back returns it for rework: the FR takes
it up again, the office decides again, and the chain runs again."""

from __future__ import annotations

from django.utils.translation import gettext as _

from accounts.models import User
from core.approvals.choices import ApprovalKind, ApprovalState
from core.approvals.engine import (
    open_request_for,
    request_resubmit,
    request_start,
    requests_withdraw_for,
)
from core.approvals.models import ApprovalChain, ApprovalRequest
from core.choices import GateState, TriangleRole
from core.errors import Conflict
from core.messages import label, message
from core.models import GateReview
from core.notifications import notify

from ..choices import ChangeRequestState
from ..models import ChangeRequest
from .changes import change_approve, change_reject, change_rework, check_office_authority


def change_facts(change: ChangeRequest) -> dict:
    """What a contract-change chain's conditions judge: the amount after the change, its
    currency, the amount before and the cost impact, the customer's tier."""
    contract = change.contract
    amount = contract.amount if change.new_amount is None else change.new_amount
    return {
        "amount": None if amount is None else str(amount),
        "currency": contract.currency,
        "amount_before": None if contract.amount is None else str(contract.amount),
        "cost_impact": None if change.cost_impact is None else str(change.cost_impact),
        "customer_tier": getattr(contract.customer, "tier", "") or "",
    }


def change_go(*, change: ChangeRequest, review: GateReview, by: User) -> None:
    """The office said go at the change review: with no contract-change chain the amendment is
    made now (as before); with one, the chain's steps follow (the office's decider asks them;
    a round sent back before runs again)."""
    if not ApprovalChain.objects.filter(kind=ApprovalKind.CONTRACT_CHANGE, active=True).exists():
        change_approve(change=change, review=review, by=by)
        return
    check_office_authority(review)
    facts = change_facts(change)
    earlier = open_request_for(change, ApprovalKind.CONTRACT_CHANGE)
    if earlier is not None and earlier.state == ApprovalState.SENT_BACK:
        if earlier.requester_id == by.pk:
            request_resubmit(request=earlier, by=by, facts=facts, comment=review.decision_comment)
            return
        requests_withdraw_for(change, by=by, kind=ApprovalKind.CONTRACT_CHANGE)
    request_start(
        kind=ApprovalKind.CONTRACT_CHANGE,
        subject=change,
        requester=by,
        org_unit=change.contract.org_unit,
        facts=facts,
        title=f"{change.contract.number} · {change}",
    )


def change_approval_waiting(request: ApprovalRequest, change: ChangeRequest, users) -> None:
    """Tell a contract-change step's approvers, in the change's words."""
    notify(
        recipients=users,
        kind="approval.waiting",
        exclude=request.requester,
        message=message("change.raised", change=str(change)),
        body=change.description,
        url=change.get_absolute_url(),
        target=change,
        email=True,
    )


def change_approval_ended(request: ApprovalRequest, change: ChangeRequest, by, comment: str):
    """The chain after the office's go ended: approved makes the amendment, rejected refuses
    the change, sent back (or withdrawn by the office's decider) returns it for rework."""
    change = ChangeRequest.objects.select_for_update().get(pk=change.pk)
    review = change.review
    if change.state != ChangeRequestState.IN_REVIEW or review is None:
        return
    if request.state == ApprovalState.APPROVED:
        change_approve(change=change, review=review, by=by, by_chain=True)
    elif request.state == ApprovalState.REJECTED:
        change_reject(change=change, review=review, by=by, reason=comment or "")
    else:
        change_rework(change=change, review=review, by=by, reason=comment or "")
    notify(
        recipients=[change.raised_by, change.contract.team.seat(TriangleRole.AR)],
        kind=f"change.{change.state}",
        exclude=by,
        message=message(
            "change.closed", change=str(change), state=label(ChangeRequestState, change.state)
        ),
        body=comment,
        target=change,
    )


def change_before_resubmit(request: ApprovalRequest, change: ChangeRequest, by) -> None:
    """A change sent back is submitted again by taking it up after its rework (a new change
    review), not from the approval's page."""
    review = change.review if change is not None else None
    if (
        change is None
        or change.state != ChangeRequestState.IN_REVIEW
        or review is None
        or review.state != GateState.GO
    ):
        raise Conflict(
            _("Rework the change and take it up again: the office reviews it again first."),
            code="approval_resubmit_elsewhere",
        )

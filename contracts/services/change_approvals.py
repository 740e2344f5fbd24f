"""Contract changes (合同变更) on the approval engine (ADR 17, kind `contract_change`).

The representative office decides a change at its change review (a gate: the iron triangle
assesses, the office's authority decides, ADR 11). That decision is the first step of the
company's contract-change chain (`contracts.approvals`; the gate's side in
`core.gates.decision`): by default one step, the office's authority, as before chains were
data; an administrator may replace or extend it (a finance step above an amount, say). The
review's go (the chain's last approval) makes the amendment, stop refuses the change, hold
(a send-back) returns it for rework: the FR takes it up again and the chain runs again on
the new review.

A request started before the change review was the chain's first step (its steps followed
the office's go, subject the change request) still ends here (`change_approval_ended`)."""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType
from django.utils.translation import gettext as _

from accounts.models import User
from core.approvals.choices import ApprovalKind, ApprovalState, TaskOutcome
from core.approvals.engine import open_request_for, requests_withdraw_for
from core.approvals.models import ApprovalRequest, ApprovalTask
from core.choices import GateState, TriangleRole
from core.errors import Conflict
from core.messages import label, message
from core.models import GateReview
from core.notifications import notify

from ..choices import ChangeRequestState
from ..models import ChangeRequest
from .changes import change_approve, change_reject, change_rework


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
    """The change review said go (its chain ran to the end): the amendment is made now. A
    request of the earlier design still open for the change is withdrawn (this go decides)."""
    earlier = open_request_for(change, ApprovalKind.CONTRACT_CHANGE)
    if earlier is not None:
        requests_withdraw_for(change, by=by, kind=ApprovalKind.CONTRACT_CHANGE)
    change_approve(change=change, review=review, by=by, by_chain=True)


def is_legacy(request: ApprovalRequest) -> bool:
    """A request whose subject is the change itself (steps after the office's go), not its
    review."""
    return request.subject_type.model_class() is ChangeRequest


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
    _tell_closed(change, by, comment)


def change_decided_at_a_later_step(change: ChangeRequest, review: GateReview, by) -> None:
    """Tell the raiser and the AR when a step after the office's decided the change (the
    office's own decision reaches them as `gate.decided`, as before)."""
    request = (
        ApprovalRequest.objects.filter(
            kind=ApprovalKind.CONTRACT_CHANGE,
            subject_type=ContentType.objects.get_for_model(GateReview),
            subject_id=review.pk,
        )
        .order_by("-id")
        .first()
    )
    if request is None:
        return
    decided = ApprovalTask.objects.filter(request=request, round=request.round).exclude(
        outcome__in=[TaskOutcome.WAITING, TaskOutcome.CLOSED]
    )
    if decided.count() > 1:
        _tell_closed(change, by, review.decision_comment)


def _tell_closed(change: ChangeRequest, by, comment: str) -> None:
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

"""Write-offs (坏账核销): asked for with a reason, decided by an approver, never by the asker.

Deciding runs on the approval engine (ADR 17, kind `write_off`): asking starts a request whose
default chain is one step, today's rule (`receivables.write_off_approvers`: sales managers
over the contract's unit and finance users granted "approve write-offs" are asked; anyone
`may_approve` within scope may decide); an administrator may add steps. The endpoints here
keep their checks and codes and decide through the engine; when the request ends, the
engine calls `write_off_ended`, which writes the amount off (or rejects, or withdraws).
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import OrgUnit, User
from core import policy
from core.approvals.choices import ApprovalDecision, ApprovalKind, ApprovalState
from core.approvals.engine import (
    may_decide,
    open_request_for,
    request_decide,
    request_start,
    requests_withdraw_for,
)
from core.approvals.models import ApprovalRequest
from core.audit import audit_record
from core.choices import Role
from core.errors import Conflict, Forbidden, ValidationFailed
from core.fsm import transition_run
from core.messages import label, message, money
from core.money import format_money
from core.notifications import notify

from ..choices import OPEN_MILESTONE_STATES, WriteOffState
from ..models import APPROVE_PERMISSION, PaymentMilestone, WriteOffRequest
from ..models.writeoffs import may_approve
from .common import lock_milestones, plus, restate


def write_off_approvers(milestone: PaymentMilestone) -> list[User]:
    """Who is asked to decide: the sales managers of the contract's unit and the units above
    it, and finance users allowed to approve whose unit contains the contract's unit."""
    units = OrgUnit.objects.get(pk=milestone.contract.org_unit_id).ancestor_ids()
    candidates = User.objects.filter(
        is_active=True, org_unit_id__in=units, role__in=[Role.SALES_MANAGER, Role.FINANCE]
    ).select_related("org_unit")
    return [u for u in candidates if u.role == Role.SALES_MANAGER or u.has_perm(APPROVE_PERMISSION)]


def write_off_facts(request: WriteOffRequest) -> dict:
    """What a write-off chain's conditions judge: the amount, its currency, the customer's
    tier."""
    contract = request.milestone.contract
    return {
        "amount": str(request.amount),
        "currency": request.currency,
        "customer_tier": getattr(contract.customer, "tier", "") or "",
    }


def _start_approval(request: WriteOffRequest, by: User) -> ApprovalRequest:
    milestone = request.milestone
    return request_start(
        kind=ApprovalKind.WRITE_OFF,
        subject=request,
        requester=by,
        org_unit=milestone.contract.org_unit,
        facts=write_off_facts(request),
        title=f"{milestone} · {format_money(request.amount, request.currency)}",
    )


def write_off_request(*, milestone: PaymentMilestone, by: User, reason: str) -> WriteOffRequest:
    """Ask to write off what is outstanding on a milestone (the customer will not pay it); the
    write-off chain's first step is asked (`write_off_waiting`)."""
    if not policy.can(by, milestone, "change"):
        raise Forbidden(_("You may not change this milestone."))
    if not (reason or "").strip():
        raise ValidationFailed(_("A reason is required."), fields={"reason": [_("Required.")]})
    with transaction.atomic():
        locked = lock_milestones([milestone.pk])[milestone.pk]
        if locked.state not in OPEN_MILESTONE_STATES or locked.outstanding <= 0:
            raise Conflict(
                _("Nothing is outstanding on %(m)s.") % {"m": locked}, code="nothing_outstanding"
            )
        if locked.write_off_requests.filter(state=WriteOffState.PENDING).exists():
            raise Conflict(
                _("A write-off of %(m)s is already waiting for approval.") % {"m": locked},
                code="write_off_pending",
            )
        request = WriteOffRequest.objects.create(
            milestone=locked,
            amount=locked.outstanding,
            currency=locked.currency,
            reason=reason.strip(),
            requested_by=by,
        )
        audit_record(
            target=request,
            action="created",
            actor=by,
            comment=request.reason,
            changes={"amount": request.amount, "milestone": str(locked)},
        )
        audit_record(
            target=locked,
            action="write_off.requested",
            actor=by,
            comment=request.reason,
            changes={"amount": str(request.amount)},
        )
        _start_approval(request, by)
    request.refresh_from_db()
    return request


def write_off_waiting(approval: ApprovalRequest, request: WriteOffRequest, users: list) -> None:
    """Tell a write-off step's approvers, in the write-off's own words (the approval engine
    calls this for each step that starts)."""
    notify(
        recipients=users,
        kind="write_off.requested",
        target=request.milestone,
        exclude=approval.requester,
        email=True,
        message=message(
            "write_off.requested",
            amount=money(request.amount, request.currency),
            m=str(request.milestone),
        ),
        body=request.reason,
    )


def approval_of(request: WriteOffRequest, *, lock: bool = False) -> ApprovalRequest | None:
    """The write-off's open approval request (locked when asked: the engine's row is always
    locked before the milestone's, on every path, so two deciders never deadlock)."""
    found = open_request_for(request, ApprovalKind.WRITE_OFF)
    if found is None or not lock:
        return found
    return (
        ApprovalRequest.objects.select_for_update(of=("self",))
        .select_related("current_step", "org_unit", "requester")
        .get(pk=found.pk)
    )


def write_off_may_decide(request: WriteOffRequest, user: User) -> bool:
    """Whether `user` may decide the write-off's current step now (its page's buttons)."""
    if request.state != WriteOffState.PENDING:
        return False
    approval = approval_of(request)
    if approval is None:
        return may_approve(request, user)
    return may_decide(user, approval)


def _require_approver(request: WriteOffRequest, by: User, approval) -> None:
    if not policy.can(by, request, "change"):
        raise Forbidden(_("You may not decide this write-off."))
    if request.requested_by_id == by.pk:
        raise Forbidden(_("Someone other than the requester must decide a write-off."))
    if not may_approve(request, by) and not (approval and may_decide(by, approval)):
        raise Forbidden(
            _("Only a sales manager over the contract's unit or a finance approver may decide.")
        )


def _approval_for_decision(request: WriteOffRequest, by: User) -> ApprovalRequest:
    """The open approval request, locked; a write-off asked before write-offs ran on the
    engine gets its request now (its requester's)."""
    approval = approval_of(request, lock=True)
    if approval is None:
        _start_approval(request, request.requested_by)
        approval = approval_of(request, lock=True)
    return approval


def _check_outstanding(milestone: PaymentMilestone, request: WriteOffRequest) -> None:
    if milestone.outstanding != request.amount:
        raise Conflict(
            _(
                "%(m)s now has %(left)s outstanding, not the %(amount)s asked for; "
                "reject this request and ask again."
            )
            % {
                "m": milestone,
                "left": format_money(milestone.outstanding, request.currency),
                "amount": format_money(request.amount, request.currency),
            },
            code="outstanding_changed",
        )


def write_off_approve(*, request: WriteOffRequest, by: User, comment: str = "") -> WriteOffRequest:
    """Approve the step waiting: when it is the last, the milestone's outstanding amount is
    written off and the milestone settled. Refused if what is outstanding changed since the
    request (a payment came in)."""
    with transaction.atomic():
        approval = approval_of(request, lock=True)
        milestone = lock_milestones([request.milestone_id])[request.milestone_id]
        locked = WriteOffRequest.objects.select_for_update().get(pk=request.pk)
        if locked.state != WriteOffState.PENDING:
            raise Conflict(_("This request was already decided."), code="already_decided")
        _require_approver(locked, by, approval)
        _check_outstanding(milestone, locked)
        approval = approval or _approval_for_decision(locked, by)
        request_decide(request=approval, by=by, decision=ApprovalDecision.APPROVE, comment=comment)
    locked.refresh_from_db()
    return locked


def write_off_reject(*, request: WriteOffRequest, by: User, reason: str) -> WriteOffRequest:
    """Reject a write-off: the milestone stays open and is chased on."""
    with transaction.atomic():
        approval = approval_of(request, lock=True)
        locked = WriteOffRequest.objects.select_for_update().get(pk=request.pk)
        if locked.state != WriteOffState.PENDING:  # says why, as the transition does
            transition_run(locked, "reject", by=by, reason=reason, internal=True)
        _require_approver(locked, by, approval)
        if not (reason or "").strip():
            raise ValidationFailed(_("A reason is required."), fields={"reason": [_("Required.")]})
        approval = approval or _approval_for_decision(locked, by)
        request_decide(request=approval, by=by, decision=ApprovalDecision.REJECT, comment=reason)
    locked.refresh_from_db()
    return locked


def write_off_withdraw(*, request: WriteOffRequest, by: User) -> WriteOffRequest:
    """The requester takes the request back (and with it its approval request)."""
    with transaction.atomic():
        approval_of(request, lock=True)
        locked = WriteOffRequest.objects.select_for_update().get(pk=request.pk)
        transition_run(locked, "withdraw", by=by, internal=True)
        requests_withdraw_for(locked, by=by, kind=ApprovalKind.WRITE_OFF)
    locked.refresh_from_db()
    return locked


def _written_off(request: WriteOffRequest, by: User, comment: str) -> None:
    milestone = lock_milestones([request.milestone_id])[request.milestone_id]
    _check_outstanding(milestone, request)
    transition_run(request, "approve", by=by, comment=comment, internal=True, check_policy=False)
    PaymentMilestone.objects.filter(pk=milestone.pk).update(
        written_off_amount=plus("written_off_amount", request.amount)
    )
    restate(
        milestone,
        "write_off",
        by=by,
        comment=message(
            "note.written_off",
            amount=money(request.amount, milestone.currency),
            reason=request.reason,
        ),
    )
    notify(
        recipients=[request.requested_by, milestone.contract.owner],
        kind="write_off.approved",
        target=milestone,
        exclude=by,
        message=message(
            "write_off.approved", amount=money(request.amount, request.currency), m=str(milestone)
        ),
        body=comment,
    )


def write_off_ended(approval: ApprovalRequest, request: WriteOffRequest, by: User, comment: str):
    """The write-off's approval request ended (the engine calls this in the decision's
    transaction): approved writes the amount off, rejected leaves the milestone to be chased,
    withdrawn withdraws it; sent back for rework, it waits for its requester to submit again."""
    request = WriteOffRequest.objects.select_for_update().get(pk=request.pk)
    if request.state != WriteOffState.PENDING:
        return
    state = approval.state
    if state == ApprovalState.WITHDRAWN:
        transition_run(
            request, "withdraw", by=by, reason=comment, internal=True, check_policy=False
        )
        return
    if state == ApprovalState.SENT_BACK:
        notify(
            recipients=[request.requested_by],
            kind="write_off.sent_back",
            target=request.milestone,
            exclude=by,
            message=message(
                "approval.decided",
                kind=label(ApprovalKind, approval.kind),
                state=label(ApprovalState, state),
                title=approval.title,
            ),
            body=comment,
        )
        return
    if state == ApprovalState.APPROVED:
        _written_off(request, by, comment)
    else:
        transition_run(request, "reject", by=by, reason=comment, internal=True, check_policy=False)
        notify(
            recipients=[request.requested_by],
            kind="write_off.rejected",
            target=request.milestone,
            exclude=by,
            message=message("write_off.rejected", m=str(request.milestone)),
            body=comment,
        )
    WriteOffRequest.objects.filter(pk=request.pk).update(decided_by=by, decided_at=timezone.now())

"""Write-offs (坏账核销): asked for with a reason, decided by an approver, never by the asker.

Approvers are sales managers over the contract's unit, finance users granted the
"approve write-offs" permission, and administrators (see models.writeoffs.may_approve).
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import OrgUnit, User
from core import policy
from core.audit import audit_record
from core.choices import Role
from core.errors import Conflict, Forbidden, ValidationFailed
from core.fsm import transition_run
from core.messages import message, money
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


def write_off_request(*, milestone: PaymentMilestone, by: User, reason: str) -> WriteOffRequest:
    """Ask to write off what is outstanding on a milestone (the customer will not pay it)."""
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
        notify(
            recipients=write_off_approvers(locked),
            kind="write_off.requested",
            target=locked,
            exclude=by,
            email=True,
            message=message(
                "write_off.requested", amount=money(request.amount, request.currency), m=str(locked)
            ),
            body=request.reason,
        )
    return request


def _require_approver(request: WriteOffRequest, by: User) -> None:
    if not policy.can(by, request, "change"):
        raise Forbidden(_("You may not decide this write-off."))
    if request.requested_by_id == by.pk:
        raise Forbidden(_("Someone other than the requester must decide a write-off."))
    if not may_approve(request, by):
        raise Forbidden(
            _("Only a sales manager over the contract's unit or a finance approver may decide.")
        )


def _decide(request: WriteOffRequest, name: str, by: User, reason: str, comment: str):
    transition_run(request, name, by=by, reason=reason, comment=comment, internal=True)
    if name != "withdraw":
        WriteOffRequest.objects.filter(pk=request.pk).update(
            decided_by=by, decided_at=timezone.now()
        )


def write_off_approve(*, request: WriteOffRequest, by: User, comment: str = "") -> WriteOffRequest:
    """Approve: the milestone's outstanding amount is written off and the milestone settled.
    Refused if what is outstanding changed since the request (a payment came in)."""
    with transaction.atomic():
        milestone = lock_milestones([request.milestone_id])[request.milestone_id]
        locked = WriteOffRequest.objects.select_for_update().get(pk=request.pk)
        if locked.state != WriteOffState.PENDING:
            raise Conflict(_("This request was already decided."), code="already_decided")
        _require_approver(locked, by)
        if milestone.outstanding != locked.amount:
            raise Conflict(
                _(
                    "%(m)s now has %(left)s outstanding, not the %(amount)s asked for; "
                    "reject this request and ask again."
                )
                % {
                    "m": milestone,
                    "left": format_money(milestone.outstanding, locked.currency),
                    "amount": format_money(locked.amount, locked.currency),
                },
                code="outstanding_changed",
            )
        _decide(locked, "approve", by, "", comment)
        PaymentMilestone.objects.filter(pk=milestone.pk).update(
            written_off_amount=plus("written_off_amount", locked.amount)
        )
        restate(
            milestone,
            "write_off",
            by=by,
            comment=message(
                "note.written_off",
                amount=money(locked.amount, milestone.currency),
                reason=locked.reason,
            ),
        )
        notify(
            recipients=[locked.requested_by, milestone.contract.owner],
            kind="write_off.approved",
            target=milestone,
            exclude=by,
            message=message(
                "write_off.approved", amount=money(locked.amount, locked.currency), m=str(milestone)
            ),
            body=comment,
        )
    locked.refresh_from_db()
    return locked


def write_off_reject(*, request: WriteOffRequest, by: User, reason: str) -> WriteOffRequest:
    """Reject a write-off: the milestone stays open and is chased on."""
    with transaction.atomic():
        locked = WriteOffRequest.objects.select_for_update().get(pk=request.pk)
        if locked.state == WriteOffState.PENDING:
            _require_approver(locked, by)
        _decide(locked, "reject", by, reason, "")
        notify(
            recipients=[locked.requested_by],
            kind="write_off.rejected",
            target=locked.milestone,
            exclude=by,
            message=message("write_off.rejected", m=str(locked.milestone)),
            body=reason,
        )
    locked.refresh_from_db()
    return locked


def write_off_withdraw(*, request: WriteOffRequest, by: User) -> WriteOffRequest:
    """The requester takes the request back."""
    with transaction.atomic():
        locked = WriteOffRequest.objects.select_for_update().get(pk=request.pk)
        _decide(locked, "withdraw", by, "", "")
    locked.refresh_from_db()
    return locked

"""Write-offs (坏账核销) on the approval engine (ADR 17): the kind, its default chain (one
step: today's write-off approvers) and the write-off-approver rule a step may name."""

from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from core import policy
from core.approvals.choices import ApprovalKind, ApprovalMode, ApproverType
from core.approvals.registry import (
    ApprovalSubject,
    Resolver,
    register_kind,
    register_resolver,
    subject_of,
)

from .models.writeoffs import may_approve
from .services.writeoffs import write_off_approvers, write_off_ended, write_off_waiting

WRITE_OFF_APPROVERS = "receivables.write_off_approvers"


def _approvers(request):
    write_off = subject_of(request)
    return write_off_approvers(write_off.milestone) if write_off is not None else []


def _eligible(user, request) -> bool:
    """As before chains were data: whoever may approve write-offs (a sales manager, a finance
    approver, an administrator) and may change this one (its unit's subtree)."""
    write_off = subject_of(request)
    return (
        write_off is not None
        and may_approve(write_off, user)
        and policy.can(user, write_off, "change")
    )


def _seat(write_off, seat):
    team = write_off.milestone.contract.team
    return team.seat(seat) if team is not None else None


register_resolver(
    WRITE_OFF_APPROVERS,
    Resolver(
        label=_("Write-off approver (sales managers over the contract, finance approvers)"),
        approvers=_approvers,
        eligible=_eligible,
    ),
)
register_kind(
    ApprovalKind.WRITE_OFF,
    ApprovalSubject(
        on_ended=write_off_ended,
        notify_waiting=write_off_waiting,
        seat_holder=_seat,
        default_name=gettext_noop("Write-off"),
        default_steps=(
            {
                "name": gettext_noop("Write-off approver"),
                "approver": {"type": ApproverType.RESOLVER.value, "name": WRITE_OFF_APPROVERS},
                "mode": ApprovalMode.ANY_OF.value,
            },
        ),
        extra={"notify_ended": False},
    ),
)

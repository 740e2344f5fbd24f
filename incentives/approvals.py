"""The deal's own credit split on the approval engine (ADR 17, ADR 23): the `credit_split`
kind and its default chain, one step: the nearest sales manager above the deal."""

from core.approvals.choices import ApprovalKind, ApprovalMode, ApproverType, RoleLevel
from core.approvals.registry import ApprovalSubject, register_kind
from core.choices import Role

from .services.splits import credit_split_ended


def _seat(split, seat):
    return split.opportunity.team.seat(seat)


register_kind(
    ApprovalKind.CREDIT_SPLIT,
    ApprovalSubject(
        on_ended=credit_split_ended,
        seat_holder=_seat,
        default_name="Credit split",
        default_steps=(
            {
                "name": "Sales manager above the deal",
                "approver": {
                    "type": ApproverType.ROLE.value,
                    "role": Role.SALES_MANAGER.value,
                    "level": RoleLevel.NEAREST.value,
                },
                "mode": ApprovalMode.ANY_OF.value,
            },
        ),
    ),
)

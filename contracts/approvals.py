"""Direct contracts (ADR 14) on the approval engine (ADR 17): the kind, with no default
steps, so a direct contract waits for nobody (as before chains were data) until an
administrator defines a chain for it; then it is signed once its request is approved."""

from core.approvals.choices import ApprovalKind
from core.approvals.registry import ApprovalSubject, register_kind

from .services.direct import direct_contract_ended, direct_contract_waiting


def _seat(contract, seat):
    return contract.team.seat(seat) if contract.team_id else None


register_kind(
    ApprovalKind.DIRECT_CONTRACT,
    ApprovalSubject(
        on_ended=direct_contract_ended,
        notify_waiting=direct_contract_waiting,
        seat_holder=_seat,
        default_name="Direct contract",
        default_steps=(),
    ),
)

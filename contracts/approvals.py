"""Contracts' kinds on the approval engine (ADR 17):
- a direct contract (ADR 14), no default steps: nothing waits until an administrator defines
  a chain; then it is signed once its request is approved;
- a contract change: its change review's decision is the chain's first step, by default the
  representative office's authority as before (ADR 11; `services.change_approvals`). A
  request started before that (steps after the office's go, on the change itself) keeps its
  old handling (`is_legacy`)."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from core.approvals.choices import ApprovalDecision, ApprovalKind
from core.approvals.registry import ApprovalSubject, register_kind
from core.errors import ValidationFailed
from core.gates.decision import decision_subject
from core.gates.services import decision_ended

from .models import ChangeRequest
from .services.change_approvals import (
    change_approval_ended,
    change_approval_waiting,
    change_before_resubmit,
    is_legacy,
)
from .services.direct import direct_contract_ended, direct_contract_waiting

CHANGE_CHAIN_NAME = gettext_noop("Contract change")
OFFICE_STEP_NAME = gettext_noop("The representative office")


def _seat(contract, seat):
    return contract.team.seat(seat) if contract.team_id else None


register_kind(
    ApprovalKind.DIRECT_CONTRACT,
    ApprovalSubject(
        on_ended=direct_contract_ended,
        notify_waiting=direct_contract_waiting,
        seat_holder=_seat,
        default_name=gettext_noop("Direct contract"),
        default_steps=(),
    ),
)
_gate = decision_subject(  # the change review's decision: the office's authority first (ADR 11)
    on_ended=decision_ended, default_name=CHANGE_CHAIN_NAME, step_name=OFFICE_STEP_NAME
)


def _either(gate_side, legacy_side):
    """A request on the change review (the chain's first step is its decision) or, started
    before that, on the change itself (steps after the office's go)."""

    def call(request, subject, *args):
        side = legacy_side if is_legacy(request) else gate_side
        return side(request, subject, *args) if side is not None else None

    return call


def _legacy_reasons(request, change, by, decision, comment) -> None:
    if decision != ApprovalDecision.APPROVE and not comment:
        raise ValidationFailed(_("Say why."), fields={"comment": [_("Required.")]})


def _change_seat(subject, seat):
    contract = subject.contract if isinstance(subject, ChangeRequest) else subject.subject.contract
    return _seat(contract, seat)


register_kind(
    ApprovalKind.CONTRACT_CHANGE,
    ApprovalSubject(
        on_ended=_either(_gate.on_ended, change_approval_ended),
        notify_waiting=_either(_gate.notify_waiting, change_approval_waiting),
        seat_holder=_change_seat,
        default_name=CHANGE_CHAIN_NAME,
        default_steps=_gate.default_steps,
        extra={
            **_gate.extra,
            "requester_may_decide": lambda request: not is_legacy(request),
            "before_decide": _either(_gate.extra["before_decide"], _legacy_reasons),
            "before_resubmit": _either(_gate.extra["before_resubmit"], change_before_resubmit),
            "before_withdraw": _either(_gate.extra["before_withdraw"], None),
            "notify_ended": is_legacy,
        },
    ),
)

"""Contracts' kinds on the approval engine (ADR 17), both with no default steps, so nothing
waits (as before chains were data) until an administrator defines a chain:
- a direct contract (ADR 14) is then signed once its request is approved;
- a contract change's steps follow the representative office's go at its change review
  (ADR 11; `services.change_approvals`)."""

from django.utils.translation import gettext_noop

from core.approvals.choices import ApprovalKind
from core.approvals.registry import ApprovalSubject, register_kind

from .services.change_approvals import (
    change_approval_ended,
    change_approval_waiting,
    change_before_resubmit,
)
from .services.direct import direct_contract_ended, direct_contract_waiting


def _seat(contract, seat):
    return contract.team.seat(seat) if contract.team_id else None


def _change_seat(change, seat):
    return _seat(change.contract, seat)


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
register_kind(
    ApprovalKind.CONTRACT_CHANGE,
    ApprovalSubject(
        on_ended=change_approval_ended,
        notify_waiting=change_approval_waiting,
        seat_holder=_change_seat,
        default_name=gettext_noop("Contract change"),
        default_steps=(),
        extra={"before_resubmit": change_before_resubmit},
    ),
)

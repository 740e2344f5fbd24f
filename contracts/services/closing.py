"""Closing a contract (关闭合同): only through the close review, and only when nothing is
missing — every deliverable done, every delivery step reached, no change request open, every
call-off order closed, and whatever later stages require (every payment milestone settled or
written off with approval: collections register that check on "contracts.close")."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import User
from core import gates, hooks
from core.choices import GateKind
from core.errors import TransitionNotAllowed
from core.models import GateReview

from ..choices import (
    FINISHED_STATES,
    OPEN_CHANGE_STATES,
    ContractState,
    DeliverableState,
    DeliveryMilestoneState,
)
from ..models import Contract
from .contracts import contract_transition

#: The step later stages attach their close conditions to (core.hooks.register_check).
CLOSE_STEP = "contracts.close"


def close_checklist(contract: Contract) -> list[str]:
    """Everything that keeps the contract from closing, each named (empty: ready)."""
    missing = []
    for deliverable in contract.deliverables.all():
        if deliverable.state not in (DeliverableState.DONE, DeliverableState.CANCELLED):
            missing.append(_("Deliverable “%(name)s” is not done.") % {"name": deliverable})
    for milestone in contract.delivery_milestones.all():
        if milestone.state == DeliveryMilestoneState.PLANNED:
            missing.append(
                _("Delivery milestone “%(name)s” is not reached (planned %(date)s).")
                % {"name": milestone, "date": milestone.planned_date}
            )
    for change in contract.change_requests.all():
        if change.state in OPEN_CHANGE_STATES:
            missing.append(
                _("Change request %(number)s is still open.") % {"number": change.number}
            )
    for order in contract.call_offs.all():
        if order.state not in FINISHED_STATES:
            missing.append(_("Call-off order %(number)s is not closed.") % {"number": order.number})
    missing.extend(hooks.failed_checks(CLOSE_STEP, contract))
    return missing


def close_blockers(contract: Contract) -> str | None:
    """Why the close review cannot open now, in one message (None: it can)."""
    if contract.state != ContractState.DELIVERED:
        return _("The close review opens once the customer has accepted the delivery.")
    missing = close_checklist(contract)
    if missing:
        return _("Not ready to close: %(missing)s") % {"missing": " ".join(missing)}
    return None


def close_review_open(*, contract: Contract, by: User) -> GateReview:
    """Open the close review (refused, naming what is missing, while anything is)."""
    return gates.gate_open(subject=contract, kind=GateKind.CLOSE, by=by)


def contract_close(*, contract: Contract, review: GateReview, by: User) -> Contract:
    """The close review said go: close the contract, if still nothing is missing."""
    with transaction.atomic():
        missing = close_checklist(contract)
        if missing:
            raise TransitionNotAllowed(
                _("Not ready to close: %(missing)s") % {"missing": " ".join(missing)},
                code="close_checklist",
                fields={"checklist": missing},
            )
        return contract_transition(
            contract=contract,
            name="close",
            by=by,
            comment=review.decision_comment,
            internal=True,
        )

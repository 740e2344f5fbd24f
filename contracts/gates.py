"""How contracts pass their gates (registered with the gate engine): the close review on a
contract, and the contract-change review on a change request."""

from __future__ import annotations

from decimal import Decimal

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core import hooks
from core.approvals.choices import ApprovalKind
from core.choices import Decision, GateKind
from core.gates import GateSubject, register_subject

from .choices import ChangeRequestState
from .models import ChangeRequest, Contract
from .services.change_approvals import change_decided_at_a_later_step, change_facts, change_go
from .services.changes import change_reject, change_rework
from .services.closing import close_blockers, contract_close

#: What collections know of the contract, frozen on its close review when it opens: the same
#: figures the battle map shows, so the seats' words ("collected in full") stand beside them.
CLOSE_FACTS = {
    "planned_amount": gettext_lazy("Payment plan total"),
    "collected_amount": gettext_lazy("Collected"),
    "collected_pct": gettext_lazy("Collected %"),
}


def _contract_facts(contract: Contract, kind: str) -> dict:
    facts = {
        "amount": contract.amount,
        "currency": contract.currency,
        "margin_pct": contract.margin_pct,
    }
    if kind == GateKind.CLOSE:
        known = hooks.facts_for("contracts.Contract", contract)
        facts.update({key: known[key] for key in CLOSE_FACTS if key in known})
    return facts


def _contract_on_decided(review, contract: Contract, by) -> None:
    """Go closes the contract (if still nothing is missing); stop and hold leave it delivered
    for the missing work and a new round."""
    if review.state == Decision.GO:
        contract_close(contract=contract, review=review, by=by)


def _change_can_open(change: ChangeRequest, kind: str) -> str | None:
    if change.state != ChangeRequestState.IN_REVIEW:
        return _("The FR takes the change request up first; that opens its review.")
    return None


def _change_facts(change: ChangeRequest, kind: str) -> dict:
    """The figures the change is judged on: the amended amount (authority rules compare it to
    their limit), the amount before and the margin after the change's cost impact."""
    contract = change.contract
    amount = contract.amount if change.new_amount is None else change.new_amount
    cost = contract.planned_cost
    if cost is not None and change.cost_impact is not None:
        cost += change.cost_impact
    margin = None
    if cost is not None and amount:
        margin = ((amount - cost) * 100 / amount).quantize(Decimal("0.01"))
    return {
        "amount": amount,
        "currency": contract.currency,
        "amount_before": contract.amount,
        "cost_impact": change.cost_impact,
        "margin_pct": margin,
    }


def _change_on_decided(review, change: ChangeRequest, by) -> None:
    """Go makes the amendment (after the company's contract-change chain, if it has one);
    stop rejects the change; hold sends it back for rework."""
    if review.state == Decision.GO:
        change_go(change=change, review=review, by=by)
    # The decider was judged by the review's chain (ADR 17): whoever it named decides, so
    # the change moves in their name with the review's comment, not by their own write scope.
    elif review.state == Decision.STOP:
        change_reject(change=change, review=review, by=by, reason=review.decision_comment)
    elif review.state == Decision.HOLD:
        change_rework(change=change, review=review, by=by, reason=review.decision_comment)
    change_decided_at_a_later_step(change, review, by)


register_subject(
    Contract,
    GateSubject(
        kinds=(GateKind.CLOSE,),
        can_open=lambda contract, kind: close_blockers(contract),
        facts=_contract_facts,
        on_decided=_contract_on_decided,
        title=str,
        fact_labels=CLOSE_FACTS,
        money_facts=frozenset({"planned_amount", "collected_amount"}),
    ),
)
register_subject(
    ChangeRequest,
    GateSubject(
        kinds=(GateKind.CHANGE,),
        can_open=_change_can_open,
        facts=_change_facts,
        on_decided=_change_on_decided,
        title=lambda change: f"{change.contract.number} · {change}",
        # The change review's decision is the first step of the contract-change chain.
        extra={"approval_kind": ApprovalKind.CONTRACT_CHANGE, "approval_facts": change_facts},
    ),
)

"""Writes on contracts: from a won opportunity, directly (renewals, framework agreements and
their call-off orders), edits, the joint confirmation, the iron triangle and transitions."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.services import iron_triangle_copy, iron_triangle_create, record_team_set
from core import hooks, policy
from core.approvals.choices import ApprovalKind
from core.approvals.engine import requests_withdraw_for
from core.audit import audit_record
from core.choices import TriangleRole
from core.errors import Conflict, Forbidden, TransitionNotAllowed, ValidationFailed
from core.fsm import transition_run
from core.gates import gate_withdraw_open
from core.messages import message
from core.models import GateReview
from core.money import quantize
from core.notifications import notify
from core.records import record_create, record_update
from opportunities.models import Opportunity
from opportunities.selectors import approved_quote

from ..choices import OPEN_CHANGE_STATES, ContractKind, ContractState
from ..models import Contract
from ..models.direct import BASIS_CONTRACT_KIND
from .direct import direct_approval_start

#: Who confirms the contract content for which side (合同接受和确认).
CONFIRMING_SEATS = {
    TriangleRole.AR: ("sales_confirmed_by", "sales_confirmed_at"),
    TriangleRole.FR: ("delivery_confirmed_by", "delivery_confirmed_at"),
}


def _atc_payment_terms(review: GateReview | None) -> str:
    if review is None:
        return ""
    ar = review.assessments.filter(role=TriangleRole.AR).first()
    return (ar.topics.get("payment_terms", "") if ar else "") or ""


def _quote_terms(quote) -> dict[str, Any]:
    """What the approved quote fixes in the contract: amount (incl. tax), cost, tax rate and
    the priced lines as the scope."""
    rates = {line.tax_rate_pct for line in quote.lines.all()}
    if len(rates) == 1:
        tax_rate = rates.pop()
    elif quote.net_total:
        tax_rate = quantize(quote.tax_total * 100 / quote.net_total)
    else:
        tax_rate = None
    scope = "\n".join(
        f"{line.position}. {line.product.name if line.product_id else line.description} × "
        f"{line.quantity.normalize():f} @ {line.unit_price} {quote.currency}"
        for line in quote.lines.all()
    )
    terms = {"amount": quote.total, "currency": quote.currency, "planned_cost": quote.cost_total}
    if tax_rate is not None:
        terms["tax_rate_pct"] = tax_rate
    if scope:
        terms["terms"] = _("Scope as quoted in %(quote)s:\n%(lines)s") % {
            "quote": quote.number,
            "lines": scope,
        }
    return terms


def contract_create_from_opportunity(
    *, opportunity: Opportunity, by: User, review: GateReview | None = None
) -> Contract:
    """The draft contract of a won opportunity: the approved quote's amount, tax, cost and
    scope (or, without a quote, the opportunity's amount and the cost its margin implies), its
    customer, a copy of its iron triangle and the payment terms the ATC review agreed."""
    existing = Contract.objects.filter(opportunity=opportunity).first()
    if existing:
        return existing
    planned_cost = None
    if opportunity.margin_pct is not None and opportunity.amount:
        planned_cost = quantize(opportunity.amount * (100 - opportunity.margin_pct) / 100)
    quote = approved_quote(opportunity)
    from_quote = _quote_terms(quote) if quote is not None else {}
    payment_terms = getattr(opportunity, "payment_terms", "") or _atc_payment_terms(review)
    with transaction.atomic():
        # Filed and run like the won opportunity it comes from, whoever decided the ATC.
        contract = record_create(
            Contract,
            by=by,
            check_scope=False,
            data={
                "title": opportunity.name,
                "customer": opportunity.customer,
                "opportunity": opportunity,
                "atc_review": review,
                "owner": opportunity.owner,
                "org_unit": opportunity.org_unit,
                "team": iron_triangle_copy(opportunity.team),
                "amount": opportunity.amount,
                "currency": opportunity.currency,
                "planned_cost": planned_cost,
                "payment_terms": payment_terms,
                **from_quote,
            },
        )
        audit_record(
            target=opportunity,
            action="contract.drafted",
            actor=by,
            changes={"contract": contract.number},
        )
    return contract


def contract_create(
    *, by: User, data: dict[str, Any], sr: User | None = None, fr: User | None = None
) -> Contract:
    """A contract made directly: a renewal, a framework agreement, a call-off order under a
    framework (whose customer and currency it takes) or a small order, each only under the
    `DirectContractRule` it names (`direct_rule`). Its unit, AR, customer and seats are held to
    the creator's scope (the access policy)."""
    data = dict(data)
    framework = data.get("framework")
    rule = data.get("direct_rule")
    if framework is not None:
        if not policy.can(by, framework, "change"):
            raise Forbidden(_("You may not place call-off orders under this framework."))
        data["kind"] = ContractKind.CALL_OFF
        data["customer"] = data.get("customer") or framework.customer
        data["currency"] = data.get("currency") or framework.currency
    elif rule is not None and not data.get("kind"):
        data["kind"] = BASIS_CONTRACT_KIND[rule.kind]
    if data.get("customer") is None:
        raise ValidationFailed(_("Choose the customer."), fields={"customer": [_("Required.")]})
    owner = data.setdefault("owner", by)
    data.setdefault("org_unit", owner.org_unit)
    if data["org_unit"] is None:
        raise ValidationFailed(_("Choose the org unit."), fields={"org_unit": [_("Required.")]})
    _check_direct_basis(by, data)
    with transaction.atomic():
        data["team"] = iron_triangle_create(ar=owner, sr=sr, fr=fr, by=by, unit=data["org_unit"])
        contract = record_create(Contract, by=by, data=data)
        audit_record(
            target=contract,
            action="contract.direct_basis",
            actor=by,
            changes={
                "basis": contract.direct_basis,
                "rule": str(rule),
                **({"framework": framework.number} if framework is not None else {}),
                **(
                    {"renewal_of": contract.renewal_of.number}
                    if contract.renewal_of_id is not None
                    else {}
                ),
            },
        )
        direct_approval_start(contract, by=by)
        return contract


def _check_direct_basis(by: User, data: dict[str, Any]) -> None:
    """A contract made without an opportunity's ATC names the company rule it falls under,
    and the rule must cover it as made by `by` (kind, unit, role, currency, amount, the
    framework or contract it calls off or renews). Records the basis on the data (ADR 14)."""
    rule = data.get("direct_rule")
    if rule is None:
        raise ValidationFailed(
            _("A contract made without an opportunity's ATC names its basis."),
            fields={
                "direct_rule": [
                    _(
                        "Choose the direct-contract rule it falls under (framework call-off, "
                        "renewal, small order); anything else is signed after its "
                        "opportunity's ATC."
                    )
                ]
            },
        )
    data["direct_basis"] = rule.kind
    data["direct_basis_by"] = by
    probe = Contract(**{k: v for k, v in data.items() if k != "team"})
    refused = rule.refusal(probe, by=by)
    if refused:
        raise ValidationFailed(
            "; ".join(refused.values()), fields={k: [v] for k, v in refused.items()}
        )


def _blank(value) -> bool:
    return value is None or value == ""


def contract_update(
    *, contract: Contract, by: User, data: dict[str, Any], expected_version: int | None = None
) -> Contract:
    """Edit a contract. Once signed, its terms change only through an approved change
    request (an amendment); a term left empty at signing may still be filled in."""
    if contract.is_signed:
        fixed = {
            name: [_("Signed: change it through a change request.")]
            for name in Contract.SIGNED_TERMS
            if name in data
            and not _blank(getattr(contract, name))
            and data[name] != getattr(contract, name)
        }
        if fixed:
            raise Conflict(
                _("The signed terms change only by an approved amendment."),
                code="signed_terms",
                fields=fixed,
            )
    return record_update(contract, by=by, data=data, expected_version=expected_version)


def contract_confirm(
    *, contract: Contract, by: User, role: str | None = None, comment: str = ""
) -> Contract:
    """Confirm the signed contract's content for sales (the AR) or delivery (the FR).

    When both sides have confirmed, the contract is accepted (合同接受和确认) at once.
    """
    seats = [r for r in contract.team.roles_of(by) if r in CONFIRMING_SEATS]
    if role is None and len(seats) == 1:
        role = seats[0]
    if role not in seats:
        raise Forbidden(
            _("Only the AR (for sales) or the FR (for delivery) confirms the contract content.")
        )
    by_field, at_field = CONFIRMING_SEATS[role]
    with transaction.atomic():
        locked = Contract.objects.select_for_update().get(pk=contract.pk)
        if locked.state != ContractState.SIGNED:
            raise Conflict(
                _("Only a signed contract is confirmed (it is “%(state)s”).")
                % {"state": locked.get_state_display()},
                code="not_signed",
            )
        if getattr(locked, at_field) is not None:
            raise Conflict(
                _("Already confirmed by %(name)s.") % {"name": getattr(locked, by_field)},
                code="already_confirmed",
            )
        Contract.objects.filter(pk=contract.pk).update(
            **{by_field: by, at_field: timezone.now()}, version=F("version") + 1
        )
        contract.refresh_from_db()
        audit_record(
            target=contract,
            action="contract.confirmed",
            actor=by,
            comment=comment,
            changes={"seat": role},
        )
        if contract.sales_confirmed_at and contract.delivery_confirmed_at:
            contract_transition(contract=contract, name="accept", by=by, comment=comment)
        else:
            other = TriangleRole.FR if role == TriangleRole.AR else TriangleRole.AR
            notify(
                recipients=[contract.team.seat(other)],
                kind="contract.confirm",
                exclude=by,
                message=message("contract.confirm", contract=str(contract)),
                target=contract,
                email=True,
            )
    return contract


def contract_team_set(
    *,
    contract: Contract,
    by: User,
    seats: dict[str, User | None],
    members: list[User] | None = None,
) -> Contract:
    """Change the iron triangle (accounts.services.record_team_set says who may)."""
    return record_team_set(record=contract, by=by, seats=seats, members=members)


def _delivery_details(contract: Contract) -> list[str]:
    """What holds up the delivery, each named: unreached steps, undelivered call-off orders."""
    details = []
    for step in contract.delivery_steps_missing():
        if isinstance(step, Contract):
            details.append(_("Not delivered yet: %(order)s.") % {"order": step})
        elif hasattr(step, "planned_date"):
            details.append(
                _("Not reached yet: %(step)s (planned %(date)s).")
                % {"step": step, "date": step.planned_date}
            )
        else:
            details.append(_("The plan has no “%(step)s” milestone.") % {"step": step})
    return details


def contract_transition(
    *,
    contract: Contract,
    name: str,
    by: User,
    reason: str = "",
    comment: str = "",
    internal: bool = False,
) -> Contract:
    """Run a contract transition and tell the later stage (signing makes the down payment
    due; every change of state is announced as contract.state_changed). Terminating withdraws
    the contract's open change requests and reviews."""
    source = contract.state
    with transaction.atomic():
        try:
            transition_run(
                contract,
                name,
                by=by,
                reason=reason,
                comment=comment,
                internal=internal,
                check_policy=not internal,
            )
        except TransitionNotAllowed as error:
            if name == "deliver" and "delivery_plan" in error.fields:
                details = _delivery_details(contract)
                raise TransitionNotAllowed(
                    "; ".join(details), fields={**error.fields, "delivery_plan": details}
                ) from error
            raise
        if name == "sign":
            hooks.emit("contract.signed", contract=contract, by=by)
        if name == "terminate":
            _withdraw_open_work(contract, by=by, reason=reason)
            requests_withdraw_for(contract, by=by, kind=ApprovalKind.DIRECT_CONTRACT)
        hooks.emit(
            "contract.state_changed",
            contract=contract,
            from_state=source,
            to_state=contract.state,
            by=by,
        )
    return contract


def _withdraw_open_work(contract: Contract, *, by: User, reason: str) -> None:
    """A terminated contract's open change requests and gate reviews are withdrawn."""
    gate_withdraw_open(contract, by=by, reason=reason)
    for change in contract.change_requests.filter(state__in=OPEN_CHANGE_STATES):
        gate_withdraw_open(change, by=by, reason=reason)
        requests_withdraw_for(change, by=by, kind=ApprovalKind.CONTRACT_CHANGE)
        transition_run(
            change,
            "withdraw",
            by=by,
            reason=_("The contract was terminated: %(reason)s") % {"reason": reason},
            check_policy=False,
        )

"""How opportunities pass the ATI, ATB and ATC gates (registered with the gate engine).

ATB judges the bid and its price: it opens only when no quote waits for special-price
approval and, if a bid is being prepared, when that bid is complete with the approved quote in
it; its facts carry the approved quote's price floor and margin. ATC judges the contract to be:
its facts carry the payment terms (down payment %), profitability and liabilities.
"""

from __future__ import annotations

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core import hooks
from core.choices import Decision, GateKind
from core.gates import GateSubject, register_subject

from .choices import QuoteState, Stage, WinLossReason
from .models import Bid, Opportunity, Quote
from .services import bid_readiness, opportunity_transition

#: The stage an opportunity must be in to open each gate, and the transition a "go" runs.
GATES = {
    GateKind.ATI: (Stage.IDENTIFIED, "pass_ati"),
    GateKind.ATB: (Stage.BIDDING, "submit_bid"),
    GateKind.ATC: (Stage.NEGOTIATING, "win"),
}

FACT_LABELS = {
    "quote": gettext_lazy("Approved quote"),
    "price_floor": gettext_lazy("Price floor (approved quote total)"),
    "net_total": gettext_lazy("Net total (excl. tax)"),
    "list_total": gettext_lazy("List total"),
    "discount_pct": gettext_lazy("Overall discount %"),
    "special_price": gettext_lazy("Special price approved"),
    "margin_amount": gettext_lazy("Gross margin amount"),
    "cost_total": gettext_lazy("Cost"),
    "payment_terms": gettext_lazy("Payment terms"),
    "liability_cap_pct": gettext_lazy("Liability cap %"),
    "warranty_months": gettext_lazy("Warranty (months)"),
    "bid_deadline": gettext_lazy("Bid deadline"),
}
MONEY_FACTS = frozenset({"price_floor", "net_total", "list_total", "margin_amount", "cost_total"})


def _atb_problems(opportunity: Opportunity) -> list[str]:
    problems = []
    if Quote.objects.filter(opportunity=opportunity, state=QuoteState.PENDING_APPROVAL).exists():
        problems.append(_("A quote is waiting for special-price approval."))
    approved = Quote.objects.filter(opportunity=opportunity, state=QuoteState.APPROVED).exists()
    if not approved and getattr(settings, "OPPORTUNITIES_ATB_REQUIRES_QUOTE", False):
        problems.append(_("ATB needs an approved quote."))
    bid = (
        Bid.objects.filter(opportunity=opportunity)
        .select_related("quote")
        .prefetch_related("sections", "checklist")
        .first()
    )
    if bid is not None:
        problems += [m for messages in bid_readiness(bid).values() for m in messages]
    return problems


def can_open(opportunity: Opportunity, kind: str) -> str | None:
    stage, _transition = GATES[kind]
    if opportunity.state != stage:
        return _("%(gate)s can be opened only in the stage “%(stage)s”.") % {
            "gate": GateKind(kind).label,
            "stage": Stage(stage).label,
        }
    if kind == GateKind.ATB:
        problems = _atb_problems(opportunity)
        if problems:
            return " ".join(problems)
    return None


def facts(opportunity: Opportunity, kind: str) -> dict:
    """What the authority rules and the decider judge: the deal's size and margin, for ATB the
    approved quote's price, for ATC the contract terms as negotiated."""
    found = {
        "amount": opportunity.amount,
        "currency": opportunity.currency,
        "margin_pct": opportunity.margin_pct,
        "down_payment_pct": opportunity.down_payment_pct,
    }
    if kind in (GateKind.ATB, GateKind.ATC):
        quote = Quote.objects.filter(opportunity=opportunity, state=QuoteState.APPROVED).first()
        if quote is not None:
            found.update(
                quote=str(quote),
                quote_id=quote.pk,
                price_floor=quote.total,
                net_total=quote.net_total,
                list_total=quote.list_total,
                discount_pct=quote.discount_pct,
                special_price=quote.special_price,
                margin_pct=quote.margin_pct,
                margin_amount=quote.margin_amount,
                cost_total=quote.cost_total,
            )
        bid = Bid.objects.filter(opportunity=opportunity).only("deadline").first()
        if kind == GateKind.ATB and bid is not None:
            found["bid_deadline"] = bid.deadline.isoformat()
    if kind == GateKind.ATC:
        found.update(
            payment_terms=opportunity.payment_terms,
            liability_cap_pct=opportunity.liability_cap_pct,
            warranty_months=opportunity.warranty_months,
        )
    return found


def on_decided(review, opportunity: Opportunity, by) -> None:
    """Go moves the opportunity into the gated stage; stop abandons it; hold keeps it where it
    is for rework and a new review."""
    decision = review.state
    if decision == Decision.GO:
        _stage, name = GATES[review.kind]
        opportunity_transition(
            opportunity=opportunity,
            name=name,
            by=by,
            internal=True,
            comment=review.decision_comment,
        )
        if review.kind == GateKind.ATC:
            hooks.emit("opportunity.won", opportunity=opportunity, review=review, by=by)
    elif decision == Decision.STOP:
        opportunity_transition(
            opportunity=opportunity,
            name="abandon",
            by=by,
            internal=True,
            reason_code=WinLossReason.STOPPED_AT_GATE,
            reason=_("Stopped at %(gate)s: %(comment)s")
            % {"gate": GateKind(review.kind).label, "comment": review.decision_comment},
        )


register_subject(
    Opportunity,
    GateSubject(
        kinds=tuple(GATES),
        can_open=can_open,
        facts=facts,
        on_decided=on_decided,
        title=str,
        fact_labels=FACT_LABELS,
        money_facts=MONEY_FACTS,
    ),
)

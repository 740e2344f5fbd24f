"""The configuration of the review gates: the seats of the iron triangle, what each seat judges
at each gate, and the models whose records pass gates (registered by their apps with
`register_subject`; the engine never imports them)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import models
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ..choices import GateKind, TriangleRole
from ..errors import NotFound
from ..models import GateReview

AR, SR, FR = TriangleRole.AR, TriangleRole.SR, TriangleRole.FR
SEATS = (AR, SR, FR)

#: What each seat must judge at each gate (DOMAIN.md, "Review gates and authority").
GATE_TOPICS: dict[str, dict[str, list[tuple[str, str]]]] = {
    GateKind.ATI: {
        AR: [
            ("relationship", gettext_lazy("Customer relationship")),
            ("decision_chain", gettext_lazy("Decision chain")),
        ],
        SR: [
            ("needs", gettext_lazy("Customer needs")),
            ("solution_fit", gettext_lazy("Solution fit")),
            ("competition", gettext_lazy("Competition")),
        ],
        FR: [
            ("deliverability", gettext_lazy("Deliverability")),
            ("delivery_risk", gettext_lazy("Delivery risk")),
        ],
    },
    GateKind.ATB: {
        AR: [
            ("relationship", gettext_lazy("Customer relationship")),
            ("price_floor", gettext_lazy("Price floor")),
            ("margin", gettext_lazy("Gross margin")),
        ],
        SR: [
            ("solution_fit", gettext_lazy("Solution fit")),
            ("competition", gettext_lazy("Competition")),
        ],
        FR: [
            ("deliverability", gettext_lazy("Deliverability")),
            ("delivery_risk", gettext_lazy("Delivery risk")),
        ],
    },
    GateKind.ATC: {
        AR: [
            ("profitability", gettext_lazy("Profitability")),
            ("payment_terms", gettext_lazy("Payment terms")),
            ("liabilities", gettext_lazy("Liabilities")),
        ],
        SR: [
            ("solution_fit", gettext_lazy("Technical commitments")),
            ("liabilities", gettext_lazy("Liabilities")),
        ],
        FR: [("schedule", gettext_lazy("Schedule")), ("cost_risk", gettext_lazy("Cost risk"))],
    },
    GateKind.CHANGE: {
        AR: [("negotiation", gettext_lazy("Negotiation with the customer"))],
        SR: [("technical_feasibility", gettext_lazy("Technical feasibility"))],
        FR: [("schedule", gettext_lazy("Schedule")), ("cost_risk", gettext_lazy("Cost"))],
    },
    GateKind.CLOSE: {
        AR: [
            ("customer_satisfaction", gettext_lazy("Customer satisfaction")),
            ("collection", gettext_lazy("Collection")),
        ],
        SR: [("solution_delivered", gettext_lazy("Solution delivered as promised"))],
        FR: [
            ("delivery_complete", gettext_lazy("Delivery complete")),
            ("acceptance", gettext_lazy("Customer acceptance")),
        ],
    },
}


@dataclass(frozen=True)
class GateSubject:
    """How the engine talks to a model whose records pass gates.

    The model must have `team` (an IronTriangle) and `org_unit`. `can_open(obj, kind)` returns
    an error message when a gate of that kind cannot open now; `facts(obj, kind)` returns the
    figures authority rules judge (amount, currency, margin_pct, down_payment_pct);
    `on_decided(review, obj, by)` moves the subject on, inside the decision's transaction.
    `fact_labels` names (translatably) further facts the subject adds, in the order the review
    page shows them; `money_facts` are the ones shown as amounts in the facts' currency.
    """

    kinds: tuple[str, ...]
    can_open: Callable[[models.Model, str], str | None]
    facts: Callable[[models.Model, str], dict]
    on_decided: Callable[[GateReview, models.Model, object], None]
    title: Callable[[models.Model], str] = str
    extra: dict = field(default_factory=dict)
    fact_labels: dict = field(default_factory=dict)
    money_facts: frozenset = frozenset()


_subjects: dict[type[models.Model], GateSubject] = {}


def register_subject(model: type[models.Model], subject: GateSubject) -> None:
    _subjects[model] = subject


def registered(model: type[models.Model]) -> GateSubject | None:
    """How `model` passes gates, or None when it does not."""
    return _subjects.get(model)


def subject_adapter(obj: models.Model) -> GateSubject:
    try:
        return _subjects[type(obj)]
    except KeyError:
        raise NotFound(_("This record does not pass review gates.")) from None


#: The facts every gate knows, as the review page labels them.
FACT_LABELS = {
    "amount": gettext_lazy("Amount"),
    "margin_pct": gettext_lazy("Expected gross margin %"),
    "down_payment_pct": gettext_lazy("Down payment %"),
}

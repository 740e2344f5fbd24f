"""What each kind of document is made from, its number prefix, and the context its template
sees: plain values only (text, formatted money, dates, lists of dicts), built here in the
document's language, so a template never holds a model instance (see `sandbox`)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.apps import apps
from django.db import models
from django.utils import timezone

from core.money import format_money

from .choices import RecordDocumentKind


@dataclass(frozen=True)
class Kind:
    code: str
    prefix: str
    model_label: str
    context: Callable[[models.Model], dict]
    #: the page the document is listed on (a quote's documents on its opportunity's page)
    page_of: Callable[[models.Model], models.Model]

    @property
    def model(self) -> type[models.Model]:
        return apps.get_model(self.model_label)


def _money(amount, currency) -> str:
    return format_money(amount, currency)


def _party(record) -> dict:
    customer = record.customer
    return {"name": customer.name}


def quote_context(quote) -> dict:
    lines = [
        {
            "position": line.position,
            "product": line.product.name,
            "code": line.product.code,
            "description": line.description,
            "quantity": line.quantity.normalize(),
            "unit": line.product.unit,
            "unit_price": _money(line.unit_price, quote.currency),
            "discount_pct": line.discount_pct.normalize(),
            "tax_rate_pct": line.tax_rate_pct.normalize(),
            "net_amount": _money(line.net_amount, quote.currency),
        }
        for line in quote.lines.select_related("product").order_by("position", "id")
    ]
    opportunity = quote.opportunity
    return {
        "customer": _party(opportunity),
        "opportunity": {"name": opportunity.name, "number": opportunity.number},
        "quote": {
            "number": quote.number,
            "revision": quote.revision,
            "valid_until": quote.valid_until,
            "notes": quote.notes,
            "net_total": _money(quote.net_total, quote.currency),
            "tax_total": _money(quote.tax_total, quote.currency),
            "total": _money(quote.total, quote.currency),
            "currency": quote.currency,
        },
        "lines": lines,
        "seller": {"name": str(opportunity.owner)},
    }


def bid_letter_context(opportunity) -> dict:
    bid = getattr(opportunity, "bid", None)
    return {
        "customer": _party(opportunity),
        "opportunity": {
            "name": opportunity.name,
            "number": opportunity.number,
            "amount": _money(opportunity.amount, opportunity.currency),
        },
        "bid": {
            "tender_reference": bid.tender_reference if bid else "",
            "deadline": timezone.localtime(bid.deadline).date() if bid else None,
        },
        "seller": {"name": str(opportunity.owner)},
    }


def authorisation_context(opportunity) -> dict:
    partner = opportunity.partner
    return {
        "customer": _party(opportunity),
        "opportunity": {"name": opportunity.name, "number": opportunity.number},
        "authorised": {
            "name": partner.name if partner else str(opportunity.owner),
            "is_partner": partner is not None,
        },
        "seller": {"name": str(opportunity.owner)},
    }


def contract_context(contract) -> dict:
    return {
        "customer": _party(contract),
        "contract": {
            "number": contract.number,
            "title": contract.title,
            "amount": _money(contract.amount, contract.currency),
            "tax_rate_pct": contract.tax_rate_pct.normalize(),
            "starts_on": contract.starts_on,
            "ends_on": contract.ends_on,
            "terms": contract.terms,
            "payment_terms": contract.payment_terms,
            "customer_reference": contract.customer_reference,
        },
        "milestones": [
            {"name": m.name, "amount": _money(m.amount, m.currency), "due_date": m.due_date}
            for m in contract.payment_milestones.order_by("sequence", "id")
        ],
        "seller": {"name": str(contract.owner)},
    }


def payment_request_context(milestone) -> dict:
    contract = milestone.contract
    return {
        "customer": _party(contract),
        "contract": {"number": contract.number, "title": contract.title},
        "milestone": {
            "name": milestone.name,
            "amount": _money(milestone.amount, milestone.currency),
            "paid": _money(milestone.paid_amount, milestone.currency),
            "outstanding": _money(milestone.outstanding, milestone.currency),
            "due_date": milestone.due_date,
            "days_overdue": milestone.days_overdue,
        },
        "seller": {"name": str(contract.owner)},
    }


def _self(record):
    return record


KINDS: dict[str, Kind] = {
    RecordDocumentKind.QUOTE: Kind(
        "quote", "QT", "opportunities.Quote", quote_context, lambda q: q.opportunity
    ),
    RecordDocumentKind.BID_LETTER: Kind(
        "bid_letter", "BL", "opportunities.Opportunity", bid_letter_context, _self
    ),
    RecordDocumentKind.AUTHORISATION: Kind(
        "authorisation", "AU", "opportunities.Opportunity", authorisation_context, _self
    ),
    RecordDocumentKind.CONTRACT_DRAFT: Kind(
        "contract_draft", "CT", "contracts.Contract", contract_context, _self
    ),
    RecordDocumentKind.PAYMENT_REQUEST: Kind(
        "payment_request", "PR", "receivables.PaymentMilestone", payment_request_context, _self
    ),
}


def kinds_for(model_label: str) -> list[Kind]:
    return [kind for kind in KINDS.values() if kind.model_label == model_label]

"""Documents on the record pages they are made from (opportunity: quote, bid letter and
authorisation letter; contract: draft; payment milestone: payment request), and the names of
this app's audit actions."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from core import audit, hooks, policy

from .choices import DocumentLanguage, RecordDocumentKind
from .selectors import documents_of


def _option(kind: str, record) -> dict:
    return {"kind": kind, "record": record.pk, "label": RecordDocumentKind(kind).label}


def _panel(records: list, options: list[dict], user) -> dict:
    documents = list(documents_of(records))
    return {
        "documents": documents,
        "options": options if policy.can(user, records[0], "change") else [],
        "languages": DocumentLanguage.choices,
    }


def _opportunity_panel(opportunity, user) -> dict:
    quotes = list(opportunity.quotes.order_by("-revision", "-id"))
    options = [_option(RecordDocumentKind.BID_LETTER, opportunity)]
    options.append(_option(RecordDocumentKind.AUTHORISATION, opportunity))
    if quotes:
        options.insert(0, _option(RecordDocumentKind.QUOTE, quotes[0]))
    return _panel([opportunity, *quotes], options, user)


def _contract_panel(contract, user) -> dict:
    return _panel([contract], [_option(RecordDocumentKind.CONTRACT_DRAFT, contract)], user)


def _milestone_panel(milestone, user) -> dict:
    return _panel([milestone], [_option(RecordDocumentKind.PAYMENT_REQUEST, milestone)], user)


for place, context in (
    ("opportunities.Opportunity", _opportunity_panel),
    ("contracts.Contract", _contract_panel),
    ("receivables.PaymentMilestone", _milestone_panel),
):
    hooks.register_panel(
        place, hooks.Panel(order=60, template="documents/record_panel.html", context=context)
    )

for action, label in {
    "document_template.changed": _("Document template edited"),
    "letterhead.changed": _("Letterhead changed"),
    "letterhead.secret_rotated": _("E-signature callback secret replaced"),
}.items():
    audit.ACTION_LABELS.setdefault(action, label)

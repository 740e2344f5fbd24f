"""What credit sharing hangs on earlier stages: a link from a deal to its credit split, and
listeners that credit a contract after its signing, termination, change or a receipt on it
commits (robust: a failure is logged and left to the beat job `incentives-credit`, never
undoing the business change)."""

from __future__ import annotations

from functools import partial

from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from core.hooks import RecordLink, listen, register_link

from .services import credit_contract


def _split_link(deal):
    return str(_("Shares of the credit")), reverse("incentives:deal-split", args=[deal.pk])


def credit_after_commit(contract_ids) -> None:
    for pk in sorted({pk for pk in contract_ids if pk}):
        transaction.on_commit(partial(credit_contract, pk), robust=True)


def _contract_event(contract, **_payload) -> None:
    credit_after_commit([contract.pk])


def _receipt_event(receipt, **_payload) -> None:
    ids = set(receipt.allocations.values_list("milestone__contract_id", flat=True))
    credit_after_commit([receipt.contract_id, *ids])


register_link("opportunities.Opportunity", RecordLink(label=_("Credit split"), resolve=_split_link))
for event in ("contract.signed", "contract.state_changed", "contract.changed"):
    listen(event, _contract_event)
for event in ("receipt.recorded", "receipt.reversed"):
    listen(event, _receipt_event)

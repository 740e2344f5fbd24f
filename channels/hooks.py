"""How rebates hear of partner sales (ADR 22): a contract of a partner's opportunity signed,
amended or terminated, cash received against it, a receipt reversed. Each listener runs
inside the event's own transaction, so the ledger line commits or rolls back with the sale.
And what rebates tell the shared core: timeline words, messages, the link on a partner's
page."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from contracts.choices import ContractState
from core import hooks
from core.audit import ACTION_LABELS
from core.messages import MESSAGES, MessageTemplate

from .choices import AccrualKind, RebateBasis
from .services import accrue, has_accrued


def _partner_of(contract):
    opportunity = getattr(contract, "opportunity", None) if contract is not None else None
    return getattr(opportunity, "partner", None) if opportunity is not None else None


def _on_signed(contract, by, **kwargs) -> None:
    partner = _partner_of(contract)
    if partner is None or contract.signed_on is None:
        return
    accrue(
        partner=partner,
        basis=RebateBasis.BOOKED,
        day=contract.signed_on,
        volume=contract.amount,
        currency=contract.currency,
        source=f"contract:{contract.pk}",
        kind=AccrualKind.BOOKING,
        reference=contract.number,
    )


def _on_receipt(receipt, by, **kwargs) -> None:
    partner = _partner_of(receipt.contract) if receipt.contract_id else None
    if partner is None:
        return
    accrue(
        partner=partner,
        basis=RebateBasis.CASH,
        day=receipt.received_on,
        volume=receipt.amount,
        currency=receipt.currency,
        source=f"receipt:{receipt.pk}",
        kind=AccrualKind.CASH,
        reference=receipt.number,
    )


def _on_receipt_reversed(receipt, by, **kwargs) -> None:
    """Cash that never was: its period's volume falls back (only where it had accrued)."""
    if not receipt.contract_id or not has_accrued(f"receipt:{receipt.pk}"):
        return
    accrue(
        partner=_partner_of(receipt.contract),
        basis=RebateBasis.CASH,
        day=receipt.received_on,
        volume=-receipt.amount,
        currency=receipt.currency,
        source=f"receipt-reversed:{receipt.pk}",
        kind=AccrualKind.REVERSAL,
        reference=receipt.number,
    )


def _on_amended(contract, amendment, by, **kwargs) -> None:
    """A booked contract amended: its period's volume moves by the change of amount (once per
    amendment version)."""
    partner = _partner_of(contract)
    delta = amendment.amount_after - amendment.amount_before
    if partner is None or not delta or not has_accrued(f"contract:{contract.pk}"):
        return
    accrue(
        partner=partner,
        basis=RebateBasis.BOOKED,
        day=contract.signed_on,
        volume=delta,
        currency=contract.currency,
        source=f"contract-amended:{contract.pk}:{amendment.version}",
        kind=AccrualKind.ADJUSTMENT,
        reference=contract.number,
    )


def _on_state_changed(contract, from_state, to_state, by, **kwargs) -> None:
    """A booked contract terminated: its booking is taken back from its period (once)."""
    if to_state != ContractState.TERMINATED or not has_accrued(f"contract:{contract.pk}"):
        return
    accrue(
        partner=_partner_of(contract),
        basis=RebateBasis.BOOKED,
        day=contract.signed_on,
        volume=-contract.amount,
        currency=contract.currency,
        source=f"contract-terminated:{contract.pk}",
        kind=AccrualKind.ADJUSTMENT,
        reference=contract.number,
    )


def _partner_rebates(partner):
    return (str(_("Rebates and channel reports")), reverse("channels:partner", args=[partner.pk]))


hooks.listen("contract.signed", _on_signed)
hooks.listen("receipt.recorded", _on_receipt)
hooks.listen("receipt.reversed", _on_receipt_reversed)
hooks.listen("contract.changed", _on_amended)
hooks.listen("contract.state_changed", _on_state_changed)
hooks.register_link("partners.Partner", hooks.RecordLink(_("Rebates"), _partner_rebates))

ACTION_LABELS.update(
    {
        "rebate.scheme_attached": _("Rebate scheme attached"),
    }
)

MESSAGES.update(
    {
        "rebate.statement_issued": MessageTemplate(
            gettext_noop("Rebate statement of %(partner)s issued: %(amount)s")
        ),
        "note.rebate_statement": MessageTemplate(gettext_noop("Rebate statement of %(amount)s")),
        "note.rebate_settled": MessageTemplate(
            gettext_noop("Rebate of %(amount)s settled by %(method)s, reference %(reference)s")
        ),
    }
)

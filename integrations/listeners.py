"""Which business events become webhooks: one listener per event of `core.hooks`, registered
in IntegrationsConfig.ready. Each names the record the event is about (its subject: whoever
may not see it is not told) and the data the payload carries."""

from __future__ import annotations

from core import hooks

from .services import publish
from .webhooks import ref


def _by(by) -> str | None:
    return by.get_username() if by is not None and by.is_authenticated else None


def on_lead_converted(*, lead, opportunity, by, **_):
    publish(
        "lead.converted",
        opportunity,
        {"lead": ref(lead), "opportunity": ref(opportunity), "by": _by(by)},
    )


def on_stage_changed(*, opportunity, from_state, to_state, by, **_):
    publish(
        "opportunity.stage_changed",
        opportunity,
        {
            "opportunity": ref(opportunity),
            "from_state": from_state,
            "to_state": to_state,
            "by": _by(by),
        },
    )


def on_gate_decided(*, review, subject, decision, by, **_):
    publish(
        "gate.decided",
        subject,
        {
            "review": {"id": review.pk, "gate": review.kind, "escalated": review.escalated},
            "subject": ref(subject),
            "decision": decision,
            "comment": review.decision_comment,
            "by": _by(by),
        },
    )


def on_contract_signed(*, contract, by, **_):
    publish(
        "contract.signed",
        contract,
        {
            "contract": ref(contract),
            "amount": contract.amount,
            "currency": contract.currency,
            "by": _by(by),
        },
    )


def on_contract_changed(*, contract, amendment, by, **_):
    publish(
        "contract.changed",
        contract,
        {
            "contract": ref(contract),
            "amendment": {
                "version": amendment.version,
                "amount_before": amendment.amount_before,
                "amount_after": amendment.amount_after,
                "summary": amendment.summary,
            },
            "by": _by(by),
        },
    )


def on_receipt_recorded(*, receipt, by, **_):
    publish(
        "receipt.recorded",
        receipt,
        {
            "receipt": ref(receipt),
            "customer": ref(receipt.customer),
            "contract": ref(receipt.contract),
            "amount": receipt.amount,
            "currency": receipt.currency,
            "received_on": receipt.received_on,
            "bank_reference": receipt.bank_reference,
            "by": _by(by),
        },
    )


def on_partner_admission_decided(*, partner, decision, by, **_):
    publish(
        "partner.admission_decided",
        partner,
        {
            "partner": ref(partner),
            "name": partner.name,
            "tier": partner.tier,
            "decision": decision,
            "by": _by(by),
        },
    )


def on_partner_registration_decided(*, registration, decision, by, **_):
    protection = registration.protection
    publish(
        "partner.registration_decided",
        registration,
        {
            "registration": ref(registration),
            "partner": ref(registration.partner),
            "customer": ref(registration.customer),
            "project": registration.project,
            "decision": decision,
            "protection": None
            if protection is None
            else {"state": protection.state, "protected_until": protection.protected_until},
            "by": _by(by),
        },
    )


def on_partner_registration_converted(*, registration, opportunity, by, **_):
    publish(
        "partner.registration_converted",
        registration,
        {
            "registration": ref(registration),
            "partner": ref(registration.partner),
            "opportunity": ref(opportunity),
            "by": _by(by),
        },
    )


def on_agreement_price_decided(*, price, decision, by, **_):
    publish(
        "agreement_price.decided",
        price,
        {
            "agreement_price": ref(price),
            "customer": ref(price.customer),
            "partner": ref(price.partner),
            "product": price.product.code,
            "price": price.price,
            "currency": price.currency,
            "valid_from": price.valid_from,
            "valid_to": price.valid_to,
            "decision": decision,
            "by": _by(by),
        },
    )


def register() -> None:
    hooks.listen("lead.converted", on_lead_converted)
    hooks.listen("opportunity.stage_changed", on_stage_changed)
    hooks.listen("gate.decided", on_gate_decided)
    hooks.listen("contract.signed", on_contract_signed)
    hooks.listen("contract.changed", on_contract_changed)
    hooks.listen("receipt.recorded", on_receipt_recorded)
    hooks.listen("partner.admission_decided", on_partner_admission_decided)
    hooks.listen("partner.registration_decided", on_partner_registration_decided)
    hooks.listen("partner.registration_converted", on_partner_registration_converted)
    hooks.listen("agreement_price.decided", on_agreement_price_decided)

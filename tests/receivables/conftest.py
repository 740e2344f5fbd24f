"""Fixtures for collections: signed contracts with payment plans, made through the services."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.utils import timezone

from contracts.services import contract_transition
from core import hooks
from receivables.services import payment_plan_set
from tests.factories import ContractFactory

TODAY = timezone.localdate


def pct_plan(*rows) -> list[dict]:
    """[(kind, percentage, trigger, credit_days), ...] as payment_plan_set input."""
    return [
        {
            "kind": kind,
            "name": f"{kind} {i}",
            "percentage": Decimal(str(p)),
            "trigger": trigger,
            "credit_days": days,
        }
        for i, (kind, p, trigger, days) in enumerate(rows, start=1)
    ]


STANDARD = pct_plan(
    ("down_payment", 30, "on_signing", 0),
    ("arrival", 30, "on_arrival", 30),
    ("acceptance", 30, "on_acceptance", 45),
    ("warranty", 10, "on_warranty_end", 30),
)


@pytest.fixture
def make_contract(org):
    """`make_contract(amount=..., plan=..., signed_on=..., owner=...)`: a contract with its
    payment plan, signed (so signing milestones are due) unless signed_on is None."""

    def make(
        amount="1000000.00",
        plan=None,
        signed_on: dt.date | None | str = "today",
        owner=None,
        currency="CNY",
        **extra,
    ):
        owner = owner or org.rep
        if signed_on == "today":
            signed_on = TODAY()
        contract = ContractFactory(
            owner=owner, amount=Decimal(amount), signed_on=signed_on, currency=currency, **extra
        )
        payment_plan_set(contract=contract, by=owner, milestones=plan or STANDARD)
        if signed_on is not None:
            contract_transition(contract=contract, name="sign", by=owner)
        contract.refresh_from_db()
        return contract

    return make


def reach(contract, kind: str, on: dt.date, by=None):
    """What the contracts app does when a delivery milestone is reached (a stand-in object)."""
    return hooks.emit(
        "delivery_milestone.reached",
        contract=contract,
        milestone=SimpleNamespace(kind=kind, actual_date=on),
        by=by,
    )


def amend(contract, amount, version=1, by=None, summary="scope change"):
    """What the contracts app does when an amendment is approved (a stand-in object)."""
    before = contract.amount
    contract.amount = Decimal(amount)
    contract.save(update_fields=["amount"])
    return hooks.emit(
        "contract.changed",
        contract=contract,
        amendment=SimpleNamespace(
            version=version, amount_before=before, amount_after=Decimal(amount), summary=summary
        ),
        by=by,
    )


def milestones(contract):
    from receivables.models import PaymentMilestone

    return list(PaymentMilestone.objects.filter(contract=contract).order_by("sequence", "pk"))

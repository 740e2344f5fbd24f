"""Fixtures of the documents tests: files go to a temporary MEDIA_ROOT; a deal with a quote
for a customer with a Chinese name, and a signed contract with an overdue milestone."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.utils import timezone
from pypdf import PdfReader

from contracts.services import contract_transition
from opportunities.models import Product
from opportunities.services import quote_create
from receivables.models import PaymentMilestone
from receivables.services import payment_plan_set
from tests.factories import ContractFactory, CustomerFactory, OpportunityFactory

CUSTOMER = "广东移动通信有限公司"


def pdf_text(document) -> str:
    with document.file.open("rb") as handle:
        reader = PdfReader(io.BytesIO(handle.read()))
    return "\n".join(page.extract_text() for page in reader.pages)


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def deal(org):
    customer = CustomerFactory(owner=org.rep, name=CUSTOMER)
    return OpportunityFactory(owner=org.rep, customer=customer, name="省公司核心网扩容")


@pytest.fixture
def quote(org, deal):
    router = Product.objects.create(
        code="RT-100",
        name="核心路由器",
        list_price=Decimal("123456.78"),
        cost=Decimal("60000.00"),
        currency="CNY",
        tax_rate_pct=Decimal("13"),
    )
    lines = [{"product": router, "quantity": "3", "discount_pct": "0"}]
    return quote_create(opportunity=deal, by=org.rep, lines=lines)


@pytest.fixture
def milestone(org):
    customer = CustomerFactory(owner=org.rep, name=CUSTOMER)
    contract = ContractFactory(
        owner=org.rep,
        customer=customer,
        amount=Decimal("250000.00"),
        signed_on=timezone.localdate() - dt.timedelta(days=40),
    )
    plan = [
        {
            "kind": "down_payment",
            "name": "预付款",
            "percentage": Decimal("100"),
            "trigger": "on_signing",
            "credit_days": 0,
        }
    ]
    payment_plan_set(contract=contract, by=org.rep, milestones=plan)
    contract_transition(contract=contract, name="sign", by=org.rep)
    milestone = contract.payment_milestones.get()
    PaymentMilestone.objects.filter(pk=milestone.pk).update(
        due_date=timezone.localdate() - dt.timedelta(days=12)
    )
    return PaymentMilestone.objects.get(pk=milestone.pk)

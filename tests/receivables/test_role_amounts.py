"""Contracts, milestones and receipts read through a configured role without
`<area>.see_amounts` show no money: null in the API, "—" on the lists and record pages, blank in
the collections CSV (issue 20.1's "see amounts")."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from accounts.services import role_assign, role_create
from core.choices import Role, RoleScope
from receivables.models import PaymentMilestone
from receivables.services import receipt_record
from tests.factories import CustomerFactory, UserFactory

from .conftest import pct_plan

pytestmark = pytest.mark.django_db
PLAN = pct_plan(("down_payment", 100, "on_signing", 0))
HIDDEN = 'title="Amount hidden">—'
AREAS = ("contracts", "milestones", "receipts")


def _grant(org, user, code, permissions):
    role = role_create(
        by=org.admin, data={"code": code, "name_en": code.title(), "permissions": permissions}
    )
    role_assign(by=org.admin, user=user, role=role, org_unit=org.hq, scope=RoleScope.COMPANY)
    user.refresh_from_db()


@pytest.fixture
def world(org, make_contract):
    contract = make_contract(
        amount="1234.00", plan=PLAN, customer=CustomerFactory(owner=org.rep, name="GD Mobile")
    )
    receipt = receipt_record(
        by=org.finance,
        contract=contract,
        amount=Decimal("234.00"),
        received_on=dt.date.today(),
        method="bank_transfer",
    )
    viewer = UserFactory(username="viewer", role=Role.SALES_REP, org_unit=org.js_carrier)
    _grant(org, viewer, "reader", [f"{a}.{x}" for a in AREAS for x in ("view", "export")])
    milestone = PaymentMilestone.objects.get(contract=contract)
    return contract, milestone, receipt, viewer


def _csv(response) -> str:
    return b"".join(response.streaming_content).decode("utf-8-sig")


def test_the_api_hides_the_amounts_until_the_role_grants_them(org, api, world):
    contract, milestone, receipt, viewer = world
    client = api(viewer)
    urls = {
        "amount": [
            reverse("contract-detail", args=[contract.pk]),
            reverse("paymentmilestone-detail", args=[milestone.pk]),
            reverse("receipt-detail", args=[receipt.pk]),
        ]
    }
    for url in urls["amount"]:
        assert client.get(url).json()["amount"] is None, url
    for name in ("contract-list", "paymentmilestone-list", "receipt-list"):
        rows = client.get(reverse(name)).json()["results"]
        assert rows and all(row["amount"] is None for row in rows), name
    _grant(org, viewer, "amounts", [f"{a}.see_amounts" for a in AREAS])
    got = [client.get(url).json()["amount"] for url in urls["amount"]]
    assert got == ["1234.00", "1234.00", "234.00"]


def test_the_pages_show_the_hidden_marker(org, client, world):
    contract, milestone, receipt, viewer = world
    client.force_login(viewer)
    pages = [
        reverse("contracts:list"),
        reverse("contracts:detail", args=[contract.pk]),
        reverse("receivables:milestones"),
        reverse("receivables:milestone-detail", args=[milestone.pk]),
        reverse("receivables:receipts"),
        reverse("receivables:receipt-detail", args=[receipt.pk]),
    ]
    for url in pages:
        # The record's own figures and its panels; the audit timeline is not judged here.
        page = client.get(url).content.decode().split('id="timeline"')[0]
        assert HIDDEN in page, url
        assert "1,234.00" not in page and "234.00" not in page.replace("1,234.00", ""), url
    _grant(org, viewer, "amounts", [f"{a}.see_amounts" for a in AREAS])
    for url in pages:
        page = client.get(url).content.decode()
        assert HIDDEN not in page, url


def test_the_collections_export_blanks_the_amounts(org, client, world):
    _contract, _milestone, _receipt, viewer = world
    client.force_login(viewer)
    milestones = _csv(client.get("/collections/export/milestones.csv"))
    receipts = _csv(client.get("/collections/export/receipts.csv"))
    assert "GD Mobile" in milestones and "1234" not in milestones
    assert "GD Mobile" in receipts and "234" not in receipts
    _grant(org, viewer, "amounts", ["milestones.see_amounts", "receipts.see_amounts"])
    assert "1234.00" in _csv(client.get("/collections/export/milestones.csv"))
    assert "234.00" in _csv(client.get("/collections/export/receipts.csv"))


def test_finance_sees_the_amounts_it_views(org, api, world):
    contract, milestone, receipt, _viewer = world
    client = api(org.finance)
    assert client.get(reverse("receipt-detail", args=[receipt.pk])).json()["amount"] == "234.00"
    row = client.get(reverse("paymentmilestone-detail", args=[milestone.pk])).json()
    assert row["amount"] == "1234.00"


def test_the_ageing_sums_only_the_milestones_whose_amounts_the_reader_sees(org, api, world):
    _contract, _milestone, _receipt, viewer = world
    url = "/api/v1/receivables/ageing/"
    assert api(viewer).get(url).json()["rows"] == []
    _grant(org, viewer, "amounts", ["milestones.see_amounts"])
    seen = api(viewer).get(url).json()
    assert seen["rows"] == api(org.finance).get(url).json()["rows"] != []

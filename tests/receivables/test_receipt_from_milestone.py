"""A receipt opened from a milestone's page pays that milestone by default: its contract, its
outstanding amount in its currency, allocated by hand to it; all still editable."""

import datetime as dt
import re
from decimal import Decimal

import pytest

from receivables.models import Receipt

from .conftest import TODAY, milestones, pct_plan
from .test_pages import money_out

pytestmark = pytest.mark.django_db

PLAN = pct_plan(("down_payment", 30, "on_signing", 0), ("acceptance", 70, "on_acceptance", 0))


@pytest.fixture
def contract(make_contract):
    return make_contract(
        amount="1000.00", plan=PLAN, currency="USD", signed_on=TODAY() - dt.timedelta(days=5)
    )


def _value(page: str, name: str) -> str:
    return re.search(rf'name="{name}"[^>]*value="([^"]*)"', page).group(1)


def test_the_milestone_page_links_to_a_receipt_for_it(org, client, contract):
    down, _acceptance = milestones(contract)
    client.force_login(org.finance)
    page = client.get(down.get_absolute_url()).content.decode()
    assert f"/collections/receipts/new/?milestone={down.pk}" in page


def test_the_form_is_prefilled_for_the_milestone_and_saves_to_it(org, client, contract):
    down, acceptance = milestones(contract)
    money_out(org, contract, "100.00")  # the down payment now owes 200.00
    down.refresh_from_db()
    client.force_login(org.finance)
    page = client.get(f"/collections/receipts/new/?milestone={down.pk}").content.decode()
    assert re.search(rf'<option value="{contract.pk}" selected>', page)
    assert _value(page, "amount") == "200.00"
    assert re.search(r'<option value="USD" selected>', page)
    assert re.search(r'value="by_hand"[^>]*checked', page)
    assert _value(page, f"alloc-{down.pk}") == "200.00"
    assert _value(page, f"alloc-{acceptance.pk}") == ""
    response = client.post(
        "/collections/receipts/new/",
        {
            "contract": contract.pk,
            "amount": "200.00",
            "currency": "USD",
            "received_on": str(TODAY()),
            "method": "bank_transfer",
            "allocation": "by_hand",
            f"alloc-{down.pk}": "200.00",
        },
    )
    assert response.status_code == 302
    receipt = Receipt.objects.latest("pk")
    assert receipt.currency == "USD" and receipt.allocated_amount == Decimal("200.00")
    down.refresh_from_db()
    assert down.outstanding == 0


def test_the_prefill_can_be_changed(org, client, contract):
    down, acceptance = milestones(contract)
    client.force_login(org.finance)
    client.post(
        "/collections/receipts/new/",
        {
            "contract": contract.pk,
            "amount": "500.00",
            "received_on": str(TODAY()),
            "method": "bank_transfer",
            "allocation": "by_hand",
            f"alloc-{down.pk}": "100.00",
            f"alloc-{acceptance.pk}": "400.00",
        },
    )
    acceptance.refresh_from_db()
    assert acceptance.paid_amount == Decimal("400.00")


def test_a_milestone_the_user_may_not_see_prefills_nothing(org, client, api, make_contract):
    elsewhere = make_contract(amount="1000.00", plan=PLAN, owner=org.other_region_rep)
    down, _acceptance = milestones(elsewhere)
    assert api(org.finance).get(f"/api/v1/payment-milestones/{down.pk}/").status_code == 404
    client.force_login(org.finance)
    page = client.get(f"/collections/receipts/new/?milestone={down.pk}").content.decode()
    assert f'name="alloc-{down.pk}"' not in page and f'value="{elsewhere.pk}" selected' not in page

"""Agreement-price races on PostgreSQL (issue 21.4): two overlapping prices of one customer and
product approved at the same instant: one is approved, the other's decision is a 400
`agreement_price_overlap` and nothing of it is written (its request still waits). The
exclusion constraint holds even when the service's check is bypassed."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from core.approvals.engine import open_request_for
from opportunities.models import AgreementPrice
from tests.opportunities import conftest as mo
from tests.trust.racing import race

opportunity = mo.opportunity
products = mo.products

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL"),
]

URL = "/api/v1/agreement-prices/"
TODAY = timezone.localdate  # called: a run may cross midnight in the site's time zone


def _pending(api, org, customer, product, price):
    created = api(org.rep).post(
        URL,
        {"customer": customer, "product": product.pk, "price": price, "valid_from": str(TODAY())},
        format="json",
    )
    assert created.status_code == 201, created.json()
    pk = created.json()["id"]
    assert api(org.rep).post(f"{URL}{pk}/submit/").status_code == 200
    return AgreementPrice.objects.get(pk=pk)


def _approve(api, user, price):
    request = open_request_for(price)

    def call():
        return (
            api(user)
            .post(
                f"/api/v1/approvals/{request.pk}/decide/",
                {"decision": "approve", "comment": "race"},
                format="json",
            )
            .status_code
        )

    return call


def test_two_overlapping_prices_approved_at_once_one_wins(org, api, opportunity, products):
    customer = opportunity.customer_id
    one = _pending(api, org, customer, products["router"], "90000")
    two = _pending(api, org, customer, products["router"], "88000")
    codes = race(_approve(api, org.manager, one), _approve(api, org.director, two))
    assert sorted(codes) == [200, 400]
    states = sorted(AgreementPrice.objects.values_list("state", flat=True))
    assert states == ["approved", "pending"]
    loser = AgreementPrice.objects.get(state="pending")
    assert open_request_for(loser) is not None  # the refused decision left nothing behind


def test_the_exclusion_constraint_holds_without_the_service(org, api, opportunity, products):
    customer = opportunity.customer_id
    one = _pending(api, org, customer, products["router"], "90000")
    two = _pending(api, org, customer, products["router"], "88000")
    AgreementPrice.objects.filter(pk=one.pk).update(
        state="approved", valid_to=TODAY() + dt.timedelta(days=30)
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        AgreementPrice.objects.filter(pk=two.pk).update(state="approved")
    # Not overlapping in time (after the first one's end): fine.
    AgreementPrice.objects.filter(pk=two.pk).update(
        valid_from=TODAY() + dt.timedelta(days=31), state="approved"
    )

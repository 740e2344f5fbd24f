"""Partner events as webhooks (issue 21.8): a partner's admission, a project registration
decided and converted, an agreement price decided, each delivered signed to a subscription
whose user may see the record, and to no other."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from tests.api import test_webhooks as webhooks
from tests.opportunities import conftest as mo
from tests.opportunities.test_agreement_prices import approved as approved_price

from .conftest import make_partner
from .test_registrations import approved as approved_registration

pytestmark = pytest.mark.django_db
products = mo.products
receiver = webhooks.receiver
subscribe = webhooks.subscribe
opportunity = mo.opportunity
EVENTS = [
    "partner.admission_decided",
    "partner.registration_decided",
    "partner.registration_converted",
    "agreement_price.decided",
]


def test_partner_events_are_delivered_to_those_who_may_see_them(
    org,
    api,
    receiver,
    subscribe,
    customer,
    products,
    django_capture_on_commit_callbacks,
):
    subscribe(events=EVENTS)
    subscribe(events=EVENTS, user=org.finance)  # finance sees no partners: told nothing
    with django_capture_on_commit_callbacks(execute=True):
        partner = make_partner(org, name="Yunlian Tech")
        registration = approved_registration(api, org, partner, customer)
        converted = api(org.rep).post(
            f"/api/v1/partner-registrations/{registration.pk}/convert/",
            {"sr": org.sr.pk, "fr": org.fr.pk},
            format="json",
        )
        assert converted.status_code == 201, converted.json()
        approved_price(api, org, products["router"], "90000", dt.date.today(), partner=partner.pk)

    assert receiver.events() == EVENTS
    payloads = {p["event"]: p["data"] for p in (json.loads(r["body"]) for r in receiver.received)}
    assert payloads["partner.admission_decided"]["decision"] == "admitted"
    assert payloads["partner.admission_decided"]["partner"]["id"] == partner.pk
    decided = payloads["partner.registration_decided"]
    assert decided["decision"] == "approved" and decided["protection"]["state"] == "protected"
    assert decided["customer"]["id"] == customer.pk
    made = payloads["partner.registration_converted"]["opportunity"]
    assert made["id"] == converted.json()["opportunity"]
    price = payloads["agreement_price.decided"]
    assert price["decision"] == "approved" and price["price"] == "90000.00"
    assert price["partner"]["id"] == partner.pk and price["product"] == "RT-100"

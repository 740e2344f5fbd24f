"""Agreement prices (协议价) through the API: a draft per customer or partner and product,
approved through the `agreement_price` chain; no two approved prices of one customer and
product overlap (400 naming the other); a quote line below the agreement price, or a partner
deal's discount outside the partner's band, needs the special-price approval."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from core.approvals.engine import open_request_for
from core.models import AuditEvent
from opportunities.agreements import agreement_price_for, agreement_price_query
from opportunities.models import AgreementPrice
from partners.models import PartnerAgreement
from tests.partners.conftest import make_partner

from .conftest import create_quote, line

pytestmark = pytest.mark.django_db

URL = "/api/v1/agreement-prices/"
TODAY = timezone.localdate  # called: a run may cross midnight in the site's time zone


def _create(api, user, product, price, start, end=None, **party):
    data = {"product": product.pk, "price": price, "valid_from": str(start), **party}
    if end is not None:
        data["valid_to"] = str(end)
    return api(user).post(URL, data, format="json")


def _decide(api, user, price_id, decision="approve", comment="Agreed"):
    request = open_request_for(AgreementPrice.objects.get(pk=price_id))
    return api(user).post(
        f"/api/v1/approvals/{request.pk}/decide/",
        {"decision": decision, "comment": comment},
        format="json",
    )


def approved(api, org, product, price, start, end=None, **party):
    created = _create(api, org.rep, product, price, start, end, **party)
    assert created.status_code == 201, created.json()
    pk = created.json()["id"]
    submitted = api(org.rep).post(f"{URL}{pk}/submit/")
    assert submitted.status_code == 200, submitted.json()
    assert submitted.json()["state"] == "pending"
    decided = _decide(api, org.manager, pk)
    assert decided.status_code == 200, decided.json()
    return AgreementPrice.objects.get(pk=pk)


def test_an_agreement_price_is_approved_by_the_manager_not_the_rep(org, api, opportunity, products):
    customer = opportunity.customer
    created = _create(api, org.rep, products["router"], "90000", TODAY(), customer=customer.pk)
    assert created.status_code == 201, created.json()
    body = created.json()
    assert body["state"] == "draft" and body["currency"] == "CNY" and body["price"] == "90000.00"
    api(org.rep).post(f"{URL}{body['id']}/submit/")
    assert _decide(api, org.rep, body["id"]).status_code == 403  # the requester, a rep
    assert _decide(api, org.teammate, body["id"]).status_code in (403, 404)
    assert _decide(api, org.manager, body["id"]).status_code == 200
    price = AgreementPrice.objects.get(pk=body["id"])
    assert price.state == "approved" and price.decided_at is not None
    assert AuditEvent.objects.filter(target_id=price.pk, transition="approve").exists()
    again = api(org.rep).post(f"{URL}{price.pk}/submit/")
    assert again.status_code == 409 and again.json()["code"] == "agreement_price_state"


def test_a_rejected_price_binds_nothing(org, api, opportunity, products):
    created = _create(
        api, org.rep, products["router"], "50000", TODAY(), customer=opportunity.customer_id
    ).json()
    api(org.rep).post(f"{URL}{created['id']}/submit/")
    assert _decide(api, org.manager, created["id"], "reject", "Too low").status_code == 200
    assert AgreementPrice.objects.get(pk=created["id"]).state == "rejected"
    assert agreement_price_for(products["router"].pk, customer_id=opportunity.customer_id) is None


def test_overlapping_prices_are_a_400_naming_the_other(org, api, opportunity, products):
    customer = opportunity.customer_id
    first = approved(
        api,
        org,
        products["router"],
        "90000",
        TODAY(),
        TODAY() + dt.timedelta(days=90),
        customer=customer,
    )
    clash = _create(
        api,
        org.rep,
        products["router"],
        "85000",
        TODAY() + dt.timedelta(days=30),
        customer=customer,
    )
    assert clash.status_code == 400
    body = clash.json()
    assert body["code"] == "agreement_price_overlap"
    assert f"#{first.pk}" in body["message"] and str(first.valid_from) in body["message"]
    assert AgreementPrice.objects.count() == 1  # nothing half-written
    # After the first ends, or for another product, it is fine.
    later = _create(
        api,
        org.rep,
        products["router"],
        "85000",
        TODAY() + dt.timedelta(days=91),
        customer=customer,
    )
    assert later.status_code == 201, later.json()
    other = _create(api, org.rep, products["service"], "3000", TODAY(), customer=customer)
    assert other.status_code == 201


def test_two_pending_overlapping_prices_the_second_approval_is_refused(
    org, api, opportunity, products
):
    customer = opportunity.customer_id
    ids = []
    for amount in ("90000", "88000"):
        created = _create(api, org.rep, products["router"], amount, TODAY(), customer=customer)
        ids.append(created.json()["id"])
        assert api(org.rep).post(f"{URL}{ids[-1]}/submit/").status_code == 200
    assert _decide(api, org.manager, ids[0]).status_code == 200
    refused = _decide(api, org.manager, ids[1])
    assert refused.status_code == 400 and refused.json()["code"] == "agreement_price_overlap"
    assert AgreementPrice.objects.get(pk=ids[1]).state == "pending"  # the decision rolled back
    assert open_request_for(AgreementPrice.objects.get(pk=ids[1])) is not None


def test_bad_input_is_a_clear_400(org, api, opportunity, products):
    both = _create(
        api,
        org.rep,
        products["router"],
        "1",
        TODAY(),
        customer=opportunity.customer_id,
        partner=make_partner(org).pk,
    )
    assert both.status_code == 400 and "customer" in both.json()["fields"]
    backwards = _create(
        api,
        org.rep,
        products["router"],
        "1",
        TODAY(),
        TODAY() - dt.timedelta(days=1),
        customer=opportunity.customer_id,
    )
    assert backwards.status_code == 400 and "valid_to" in backwards.json()["fields"]
    negative = _create(
        api, org.rep, products["router"], "-1", TODAY(), customer=opportunity.customer_id
    )
    assert negative.status_code == 400
    currency = api(org.rep).post(
        URL,
        {
            "product": products["router"].pk,
            "price": "1",
            "currency": "USD",
            "valid_from": str(TODAY()),
            "customer": opportunity.customer_id,
        },
        format="json",
    )
    assert currency.status_code == 400 and "currency" in currency.json()["fields"]
    assert not AgreementPrice.objects.exists()


def test_outside_scope_is_404_and_lists_are_scoped(org, api, opportunity, products):
    price = approved(
        api, org, products["router"], "90000", TODAY(), customer=opportunity.customer_id
    )
    assert api(org.other_region_rep).get(f"{URL}{price.pk}/").status_code == 404
    assert api(org.other_region_manager).get(URL).json()["results"] == []
    assert api(org.other_region_rep).post(f"{URL}{price.pk}/submit/").status_code == 404
    listed = api(org.manager).get(URL, {"customer": opportunity.customer_id, "valid_on": TODAY()})
    assert [p["id"] for p in listed.json()["results"]] == [price.pk]
    past = api(org.manager).get(URL, {"valid_on": TODAY() - dt.timedelta(days=1)})
    assert past.json()["results"] == []
    # Writing for a customer out of one's scope is refused.
    outside = _create(
        api,
        org.other_region_rep,
        products["router"],
        "1",
        TODAY(),
        customer=opportunity.customer_id,
    )
    assert outside.status_code in (400, 403, 404)


def test_the_price_today_is_one_query(org, api, opportunity, products):
    approved(api, org, products["router"], "90000", TODAY(), customer=opportunity.customer_id)
    with CaptureQueriesContext(connection) as queries:
        found = agreement_price_for(products["router"].pk, customer_id=opportunity.customer_id)
    assert found.price == Decimal("90000.00") and len(queries) == 1


def _submit_quote(api, user, opportunity, lines, justification=""):
    quote = create_quote(api, user, opportunity, lines).json()
    return api(user).post(
        f"/api/v1/quotes/{quote['id']}/submit/", {"justification": justification}, format="json"
    )


def test_a_quote_line_below_the_customer_agreement_price_needs_special_approval(
    org, api, opportunity, products
):
    approved(api, org, products["router"], "98000", TODAY(), customer=opportunity.customer_id)
    # 5% is within the rep's default authority of 10%, but 95,000 < 98,000 agreed.
    refused = _submit_quote(api, org.rep, opportunity, [line(products["router"], "1", "5")])
    assert refused.status_code == 400
    assert refused.json()["code"] == "special_price_justification"
    pending = _submit_quote(
        api, org.rep, opportunity, [line(products["router"], "1", "5")], "Price war"
    )
    assert pending.status_code == 200 and pending.json()["state"] == "pending_approval"
    assert pending.json()["special_price"] is True
    reason = AuditEvent.objects.get(target_id=pending.json()["id"], action="quote.agreement_check")
    assert reason.comment_message[0]["code"] == "note.below_agreement"
    # At or above the agreement price: within authority, approved at once.
    fine = _submit_quote(api, org.rep, opportunity, [line(products["router"], "1", "2")])
    assert fine.status_code == 200 and fine.json()["state"] == "approved"


def test_a_partner_deal_follows_the_partner_price_and_discount_band(
    org, api, opportunity, products
):
    partner = make_partner(org)
    PartnerAgreement.objects.create(
        partner=partner, year=TODAY().year, discount_min_pct=0, discount_max_pct=Decimal("3")
    )
    opportunity.partner = partner
    opportunity.save(update_fields=["partner"])
    # The customer's own price does not apply to a partner deal; the band does.
    approved(api, org, products["router"], "99000", TODAY(), customer=opportunity.customer_id)
    within = _submit_quote(api, org.rep, opportunity, [line(products["router"], "1", "3")])
    assert within.status_code == 200 and within.json()["state"] == "approved", within.json()
    outside = _submit_quote(api, org.rep, opportunity, [line(products["router"], "1", "4")], "x")
    assert outside.json()["state"] == "pending_approval"
    reason = AuditEvent.objects.get(target_id=outside.json()["id"], action="quote.agreement_check")
    assert reason.comment_message[0]["code"] == "note.outside_band"
    # The partner's agreement price binds the partner deal.
    approved(api, org, products["router"], "98000", TODAY(), partner=partner.pk)
    below = _submit_quote(api, org.rep, opportunity, [line(products["router"], "1", "3")], "y")
    assert below.json()["state"] == "pending_approval"
    reason = AuditEvent.objects.get(target_id=below.json()["id"], action="quote.agreement_check")
    assert reason.comment_message[0]["code"] == "note.below_agreement"


def test_the_price_post_mortem_compares_achieved_list_and_agreement(
    org, api, browser_client, opportunity, products
):
    approved(api, org, products["router"], "96000", TODAY(), customer=opportunity.customer_id)
    # 2 routers at 3% off (97,000 each: above the agreement), approved within authority.
    first = _submit_quote(api, org.rep, opportunity, [line(products["router"], "2", "3")])
    assert first.json()["state"] == "approved"
    # A new version, 1 router at 6% off (94,000: below the agreement), approved by a manager.
    second = _submit_quote(api, org.rep, opportunity, [line(products["router"], "1", "6")], "z")
    api(org.manager).post(
        f"/api/v1/quotes/{second.json()['id']}/decision/",
        {"decision": "approve", "reason": "ok"},
        format="json",
    )
    # Only the approved quote counts (the first is superseded).
    rows = api(org.manager).get(f"{URL}post-mortem/").json()
    assert len(rows) == 1
    row = rows[0]
    assert row["product_code"] == "RT-100" and row["rep"] == org.rep.pk
    assert row["list_amount"] == "100000.00" and row["achieved_amount"] == "94000.00"
    assert row["discount_pct"] == "6.00"
    assert row["agreed_amount"] == "96000.00" and row["vs_agreement_pct"] == "-2.08"
    # Out of scope: nothing.
    assert api(org.other_region_manager).get(f"{URL}post-mortem/").json() == []
    page = browser_client(org.manager).get("/opportunities/price-post-mortem/")
    assert page.status_code == 200 and "RT-100" in page.content.decode()


def test_the_pages_list_create_and_submit(org, browser_client, opportunity, products):
    client = browser_client(org.rep)
    form = {
        "customer": opportunity.customer_id,
        "product": products["router"].pk,
        "price": "90000",
        "valid_from": str(TODAY()),
    }
    created = client.post("/opportunities/agreement-prices/", form)
    assert created.status_code == 302
    price = AgreementPrice.objects.get()
    assert created["Location"] == price.get_absolute_url()
    assert client.get("/opportunities/agreement-prices/").status_code == 200
    assert client.get(price.get_absolute_url()).status_code == 200
    assert client.post(price.get_absolute_url()).status_code == 302
    assert AgreementPrice.objects.get().state == "pending"
    outsider = browser_client(org.other_region_rep)
    assert outsider.get(price.get_absolute_url()).status_code == 404
    client = browser_client(org.rep)
    backwards = {**form, "valid_to": str(TODAY() - dt.timedelta(days=1))}
    refused = client.post("/opportunities/agreement-prices/", backwards)
    assert refused.status_code == 200 and "errorlist" in refused.content.decode()
    assert AgreementPrice.objects.count() == 1


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the PostgreSQL planner")
def test_the_price_today_is_an_index_scan_among_many(org, api, opportunity, products):
    """Among thousands of rows the lookup is one index scan, not a table scan."""
    from opportunities.models import Product

    extra = Product.objects.bulk_create(
        Product(code=f"P-{i}", name=f"P {i}", list_price=1, cost=1) for i in range(100)
    )
    rows = [
        AgreementPrice(
            customer_id=opportunity.customer_id,
            product=product,
            price=Decimal("1"),
            valid_from=TODAY() - dt.timedelta(days=30 * (n + 1)),
            valid_to=TODAY() - dt.timedelta(days=30 * n + 1),
            state="approved" if n % 2 else "rejected",
            org_unit=org.gd_carrier,
            created_by=org.rep,
        )
        for product in extra
        for n in range(60)
    ]
    AgreementPrice.objects.bulk_create(rows)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE opportunities_agreementprice")
    query = agreement_price_query(extra[7].pk, customer_id=opportunity.customer_id)[:1]
    plan = query.explain()
    # An index (the planner picks the composite one or, on this one-customer data, the
    # product's) and never a scan of the table.
    assert "Index" in plan and "Seq Scan" not in plan, plan

"""Quotes through the API: catalogue pricing in Decimal, versions, the special-price path
(特价审批) from submission to approval or rejection, and "the" approved quote that sets the
opportunity's amount."""

import threading
from decimal import Decimal

import pytest
from django.db import connection

from core.models import AuditEvent, Notification
from opportunities.models import PricingRule, Quote
from opportunities.selectors import approved_quote

from .conftest import create_quote, line, reload

pytestmark = pytest.mark.django_db


def submit(api, user, quote_id, justification=""):
    return api(user).post(
        f"/api/v1/quotes/{quote_id}/submit/", {"justification": justification}, format="json"
    )


def decide_quote(api, user, quote_id, decision="approve", reason=""):
    return api(user).post(
        f"/api/v1/quotes/{quote_id}/decision/",
        {"decision": decision, "reason": reason},
        format="json",
    )


def test_a_quote_is_priced_from_the_catalogue_to_the_cent(org, api, opportunity, products):
    response = create_quote(
        api,
        org.rep,
        opportunity,
        [line(products["router"], "3", "5"), line(products["service"], "7", "0")],
    )
    assert response.status_code == 201, response.json()
    quote = response.json()
    assert quote["state"] == "draft" and quote["revision"] == 1
    router, service = quote["lines"]
    # 100,000.00 less 5% = 95,000.00 a unit; 3 units; 13% tax
    assert (router["unit_price"], router["net_amount"], router["tax_amount"]) == (
        "95000.00",
        "285000.00",
        "37050.00",
    )
    # 3,333.33 × 7 = 23,333.31; 6% tax 1,399.9986 → 1,400.00 (half up)
    assert (service["net_amount"], service["tax_amount"]) == ("23333.31", "1400.00")
    assert quote["list_total"] == "323333.31"
    assert quote["net_total"] == "308333.31"
    assert quote["tax_total"] == "38450.00"
    assert quote["total"] == "346783.31"
    assert quote["cost_total"] == "190500.00"
    assert quote["margin_amount"] == "117833.31"
    assert quote["margin_pct"] == "38.22"
    assert quote["max_line_discount_pct"] == "5.00"


def test_bad_lines_are_400_with_field_messages_and_nothing_is_written(
    org, api, opportunity, products
):
    response = create_quote(
        api,
        org.rep,
        opportunity,
        [line(products["router"], "0"), line(products["usd"], "1"), {"product": 999999}],
    )
    assert response.status_code == 400
    fields = response.json()["fields"]
    assert "lines.2.product" in fields
    assert not Quote.objects.exists()
    currency = create_quote(api, org.rep, opportunity, [line(products["usd"])])
    assert currency.status_code == 400
    assert "lines.0.product" in currency.json()["fields"]
    discount = create_quote(api, org.rep, opportunity, [line(products["router"], "1", "101")])
    assert discount.status_code == 400
    assert not Quote.objects.exists()


def test_within_authority_a_submitted_quote_is_approved_and_sets_the_amount(
    org, api, opportunity, products
):
    quote = create_quote(api, org.rep, opportunity, [line(products["router"], "10", "8")]).json()
    response = submit(api, org.rep, quote["id"])
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["state"] == "approved" and body["special_price"] is False
    assert body["authority_discount_pct"] == "10.00"  # the default authority
    opportunity = reload(opportunity)
    assert opportunity.amount == Decimal(body["total"]) == Decimal("1039600.00")
    assert opportunity.margin_pct == Decimal(body["margin_pct"])
    assert approved_quote(opportunity).pk == quote["id"]
    assert not Notification.objects.filter(kind="quote.approval_needed").exists()


def test_the_special_price_path(org, api, opportunity, products):
    PricingRule.objects.create(org_unit=org.gd, role="sales_rep", max_discount_pct=Decimal("5"))
    quote = create_quote(api, org.rep, opportunity, [line(products["router"], "10", "20")]).json()

    no_reason = submit(api, org.rep, quote["id"])
    assert no_reason.status_code == 400
    assert no_reason.json()["fields"] == {"justification": ["Required for a special price."]}

    pending = submit(api, org.rep, quote["id"], "Competitor bid 18% below list")
    assert pending.status_code == 200
    assert pending.json()["state"] == "pending_approval"
    assert pending.json()["special_price"] is True
    assert pending.json()["authority_discount_pct"] == "5.00"
    note = Notification.objects.get(kind="quote.approval_needed")
    assert note.recipient == org.manager  # the nearest manager over the team
    assert reload(opportunity).amount == Decimal("1000000.00")  # not yet the quote's

    # Neither the requester, nor a colleague, nor a manager elsewhere may approve.
    assert decide_quote(api, org.rep, quote["id"]).status_code == 403
    assert decide_quote(api, org.teammate, quote["id"]).status_code == 403
    assert decide_quote(api, org.other_region_manager, quote["id"]).status_code == 404

    listed = api(org.manager).get("/api/v1/quotes/?awaiting_my_approval=true").json()
    assert [q["id"] for q in listed["results"]] == [quote["id"]]
    assert listed["results"][0]["may_approve"] is True

    approved = decide_quote(api, org.manager, quote["id"], reason="Strategic account")
    assert approved.status_code == 200, approved.json()
    body = approved.json()
    assert body["state"] == "approved"
    assert body["decided_by"] == org.manager.pk and body["decision_reason"] == "Strategic account"
    assert reload(opportunity).amount == Decimal(body["total"])
    assert Notification.objects.filter(kind="quote.decided", recipient=org.rep).exists()
    again = decide_quote(api, org.director, quote["id"])
    assert again.status_code == 409 and again.json()["code"] == "quote_not_pending"
    events = AuditEvent.objects.filter(target_id=quote["id"], transition__in=["approve"])
    assert events.get().actor == org.manager


def test_a_special_price_can_be_rejected_with_a_reason_and_revised(org, api, opportunity, products):
    quote = create_quote(api, org.rep, opportunity, [line(products["router"], "1", "30")]).json()
    submit(api, org.rep, quote["id"], "Price war")
    assert decide_quote(api, org.manager, quote["id"], "reject").status_code == 400
    rejected = decide_quote(api, org.manager, quote["id"], "reject", "Margin too thin")
    assert rejected.json()["state"] == "rejected"
    assert rejected.json()["decision_reason"] == "Margin too thin"
    assert Notification.objects.filter(kind="quote.decided", recipient=org.rep).exists()
    revised = api(org.rep).post(f"/api/v1/quotes/{quote['id']}/new-version/")
    assert revised.status_code == 201
    assert revised.json()["revision"] == 2 and revised.json()["state"] == "draft"
    assert revised.json()["lines"][0]["discount_pct"] == "30.00"
    edited = api(org.rep).patch(
        f"/api/v1/quotes/{revised.json()['id']}/",
        {"lines": [line(products["router"], "1", "9")]},
        format="json",
    )
    assert edited.status_code == 200 and edited.json()["max_line_discount_pct"] == "9.00"
    locked = api(org.rep).patch(f"/api/v1/quotes/{quote['id']}/", {"notes": "x"}, format="json")
    assert locked.status_code == 409


def test_a_configured_pricing_approver_is_asked_and_may_approve(org, api, opportunity, products):
    from tests.factories import UserFactory

    pricing = UserFactory(username="pricing", role="sales_rep", org_unit=org.gd)
    PricingRule.objects.create(org_unit=org.gd, max_discount_pct=Decimal("5"), approver=pricing)
    quote = create_quote(api, org.rep, opportunity, [line(products["router"], "1", "15")]).json()
    submit(api, org.rep, quote["id"], "Framework price")
    assert Notification.objects.get(kind="quote.approval_needed").recipient == pricing
    assert decide_quote(api, pricing, quote["id"], reason="ok").json()["state"] == "approved"


def test_a_role_specific_rule_beats_a_general_one_and_the_nearest_unit_wins(
    org, api, opportunity, products
):
    PricingRule.objects.create(org_unit=org.hq, max_discount_pct=Decimal("30"))
    PricingRule.objects.create(org_unit=org.gd, max_discount_pct=Decimal("3"))
    PricingRule.objects.create(org_unit=org.gd, role="sales_rep", max_discount_pct=Decimal("12"))
    quote = create_quote(api, org.rep, opportunity, [line(products["router"], "1", "12")]).json()
    assert submit(api, org.rep, quote["id"]).json()["state"] == "approved"
    quote = create_quote(api, org.sr, opportunity, [line(products["router"], "1", "4")]).json()
    assert submit(api, org.sr, quote["id"]).status_code == 400  # 3% for the SR: needs a reason


def test_one_approved_quote_at_a_time_the_newer_supersedes(org, api, opportunity, products):
    first = create_quote(api, org.rep, opportunity, [line(products["router"], "1")]).json()
    submit(api, org.rep, first["id"])
    second = create_quote(api, org.rep, opportunity, [line(products["router"], "2")]).json()
    assert second["revision"] == 2
    submit(api, org.rep, second["id"])
    states = dict(Quote.objects.values_list("revision", "state"))
    assert states == {1: "superseded", 2: "approved"}
    assert reload(opportunity).amount == Decimal("226000.00")


def test_while_a_quote_stands_the_amount_is_not_edited_by_hand(org, api, opportunity, products):
    quote = create_quote(api, org.rep, opportunity, [line(products["router"], "1")]).json()
    submit(api, org.rep, quote["id"])
    response = api(org.rep).patch(
        f"/api/v1/opportunities/{opportunity.pk}/", {"amount": "1.00"}, format="json"
    )
    assert response.status_code == 400 and "amount" in response.json()["fields"]
    ok = api(org.rep).patch(
        f"/api/v1/opportunities/{opportunity.pk}/", {"description": "Phase 1"}, format="json"
    )
    assert ok.status_code == 200


def test_a_quote_can_be_withdrawn_before_approval(org, api, opportunity, products):
    quote = create_quote(api, org.rep, opportunity, [line(products["router"], "1", "40")]).json()
    submit(api, org.rep, quote["id"], "why")
    response = api(org.rep).post(f"/api/v1/quotes/{quote['id']}/transitions/withdraw/")
    assert response.status_code == 200 and response.json()["state"] == "withdrawn"
    approve = api(org.rep).post(f"/api/v1/quotes/{quote['id']}/transitions/approve/")
    assert approve.status_code == 409


def test_quotes_follow_the_access_policy(org, api, opportunity, products):
    quote = create_quote(api, org.rep, opportunity, [line(products["router"])]).json()
    assert api(org.other_team_rep).get(f"/api/v1/quotes/{quote['id']}/").status_code == 404
    assert api(org.other_region_rep).get("/api/v1/quotes/").json()["results"] == []
    teammate = api(org.teammate)
    assert teammate.get(f"/api/v1/quotes/{quote['id']}/").status_code == 200
    assert teammate.post(f"/api/v1/quotes/{quote['id']}/submit/").status_code == 403
    foreign = create_quote(api, org.other_region_rep, opportunity, [line(products["router"])])
    assert foreign.status_code == 400 and "opportunity" in foreign.json()["fields"]


def test_the_quote_list_runs_a_constant_number_of_queries(
    org, api, opportunity, products, django_assert_max_num_queries
):
    for _ in range(6):
        create_quote(
            api, org.rep, opportunity, [line(products["router"]), line(products["service"])]
        )
    client = api(org.rep)
    with django_assert_max_num_queries(8):
        response = client.get("/api/v1/quotes/")
    assert len(response.json()["results"]) == 6


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
def test_two_approvers_racing_give_exactly_one_decision(org, api, opportunity, products):
    quote = create_quote(api, org.rep, opportunity, [line(products["router"], "1", "30")]).json()
    submit(api, org.rep, quote["id"], "Price war")
    results, barrier = [], threading.Barrier(2)

    def race(user, decision):
        barrier.wait()
        results.append(decide_quote(api, user, quote["id"], decision, "race").status_code)
        connection.close()

    threads = [
        threading.Thread(target=race, args=(org.manager, "approve")),
        threading.Thread(target=race, args=(org.director, "reject")),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [200, 409]
    assert Quote.objects.get(pk=quote["id"]).state in ("approved", "rejected")

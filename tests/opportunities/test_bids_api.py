"""Bids through the API: sections with owners, the checklist, putting only an approved quote
into the bid, submission after ATB, and the Celery reminders before the deadline (each once)."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.conf import settings
from django.utils import timezone

from core.models import Notification
from opportunities.models import Bid, BidReminder, PricingRule
from opportunities.tasks import send_bid_reminders

from .conftest import advance, assess_all, create_quote, decide, line, open_gate, reload

pytestmark = pytest.mark.django_db


def start_bid(api, user, opportunity, days=5, **extra):
    return api(user).post(
        "/api/v1/bids/",
        {
            "opportunity": opportunity.pk,
            "deadline": (timezone.now() + timedelta(days=days)).isoformat(),
            "tender_reference": "GZ-2026-117",
            **extra,
        },
        format="json",
    )


def approved_quote_id(api, org, opportunity, products):
    quote = create_quote(api, org.rep, opportunity, [line(products["router"], "2")]).json()
    api(org.rep).post(f"/api/v1/quotes/{quote['id']}/submit/", {}, format="json")
    return quote["id"]


def complete(api, org, bid):
    for section in bid["sections"]:
        owner = {org.rep.pk: org.rep, org.sr.pk: org.sr, org.fr.pk: org.fr}[section["owner"]]
        response = api(owner).patch(
            f"/api/v1/bid-sections/{section['id']}/", {"status": "done"}, format="json"
        )
        assert response.status_code == 200, response.json()
    for item in bid["checklist"]:
        api(org.rep).post(
            f"/api/v1/bid-checklist-items/{item['id']}/check/", {"done": True}, format="json"
        )


def test_a_bid_starts_with_sections_for_each_seat_and_the_checklist(org, api, opportunity):
    advance(api, org, opportunity, "bidding")
    response = start_bid(api, org.rep, opportunity)
    assert response.status_code == 201, response.json()
    bid = response.json()
    owners = {s["kind"]: s["owner"] for s in bid["sections"]}
    assert owners == {
        "commercial": org.rep.pk,
        "technical": org.sr.pk,
        "delivery": org.fr.pk,
        "assembly": org.rep.pk,
    }
    assert len(bid["checklist"]) == 7 and all(i["required"] for i in bid["checklist"])
    assert set(bid["readiness"]) == {"sections", "checklist", "quote"}
    assert Notification.objects.filter(kind="bid.section_assigned", recipient=org.sr).exists()
    again = start_bid(api, org.rep, opportunity)
    assert again.status_code == 400 and "opportunity" in again.json()["fields"]


def test_a_bid_needs_the_right_stage_and_a_future_deadline(org, api, opportunity):
    assert start_bid(api, org.rep, opportunity).status_code == 409  # still identified
    advance(api, org, opportunity, "guiding")
    past = start_bid(api, org.rep, opportunity, days=-1)
    assert past.status_code == 400 and "deadline" in past.json()["fields"]
    outsider = start_bid(api, org.rep, opportunity, bid_office=org.other_team_rep.pk)
    assert outsider.status_code == 400 and "bid_office" in outsider.json()["fields"]
    assert not Bid.objects.exists()


def test_only_an_approved_quote_goes_into_the_bid(org, api, opportunity, products):
    PricingRule.objects.create(org_unit=org.gd, max_discount_pct=Decimal("5"))
    advance(api, org, opportunity, "bidding")
    bid = start_bid(api, org.rep, opportunity).json()
    quote = create_quote(api, org.rep, opportunity, [line(products["router"], "1", "20")]).json()
    api(org.rep).post(
        f"/api/v1/quotes/{quote['id']}/submit/", {"justification": "price war"}, format="json"
    )
    pending = api(org.rep).patch(
        f"/api/v1/bids/{bid['id']}/", {"quote": quote["id"]}, format="json"
    )
    assert pending.status_code == 400
    assert pending.json()["code"] == "quote_not_approved"
    assert pending.json()["fields"]["quote"] == [
        "This quote is waiting for special-price approval."
    ]
    api(org.manager).post(
        f"/api/v1/quotes/{quote['id']}/decision/", {"decision": "approve"}, format="json"
    )
    ok = api(org.rep).patch(f"/api/v1/bids/{bid['id']}/", {"quote": quote["id"]}, format="json")
    assert ok.status_code == 200 and ok.json()["quote"] == quote["id"]
    assert "quote" not in ok.json()["readiness"]


def test_section_owners_update_their_own_section(org, api, opportunity):
    advance(api, org, opportunity, "bidding")
    bid = start_bid(api, org.rep, opportunity).json()
    technical = next(s for s in bid["sections"] if s["kind"] == "technical")
    delivery = next(s for s in bid["sections"] if s["kind"] == "delivery")
    ok = api(org.sr).patch(
        f"/api/v1/bid-sections/{technical['id']}/", {"status": "in_progress"}, format="json"
    )
    assert ok.status_code == 200 and ok.json()["status"] == "in_progress"
    assert (
        api(org.teammate)
        .patch(f"/api/v1/bid-sections/{delivery['id']}/", {"status": "done"}, format="json")
        .status_code
        == 403
    )
    reassigned = api(org.rep).patch(
        f"/api/v1/bid-sections/{delivery['id']}/", {"owner": org.other_team_rep.pk}, format="json"
    )
    assert reassigned.status_code == 400 and "owner" in reassigned.json()["fields"]
    bad = api(org.sr).patch(
        f"/api/v1/bid-sections/{technical['id']}/", {"status": "finished"}, format="json"
    )
    assert bad.status_code == 400


def test_the_bid_is_submitted_after_atb_when_complete(org, api, opportunity, products):
    advance(api, org, opportunity, "bidding")
    quote_id = approved_quote_id(api, org, opportunity, products)
    bid = start_bid(api, org.rep, opportunity, quote=quote_id).json()
    early_gate = open_gate(api, org.rep, opportunity, "atb")
    assert early_gate.status_code == 409 and "Sections not done" in early_gate.json()["message"]
    complete(api, org, bid)
    too_early = api(org.rep).post(f"/api/v1/bids/{bid['id']}/submit/", {}, format="json")
    assert too_early.status_code == 409 and set(too_early.json()["fields"]) == {"gate"}
    review = open_gate(api, org.rep, opportunity, "atb").json()
    assert review["facts"]["bid_deadline"]
    assess_all(api, org, review["id"], "atb")
    decide(api, org.manager, review["id"])
    assert reload(opportunity).state == "bid_submitted"
    submitted = api(org.rep).post(
        f"/api/v1/bids/{bid['id']}/submit/", {"notes": "Handed in at 10:00"}, format="json"
    )
    assert submitted.status_code == 200, submitted.json()
    assert submitted.json()["state"] == "submitted"
    assert submitted.json()["submitted_by"] == org.rep.pk
    locked = api(org.rep).patch(
        f"/api/v1/bids/{bid['id']}/", {"tender_reference": "x"}, format="json"
    )
    assert locked.status_code == 409


def test_the_checklist_can_be_extended_ticked_and_trimmed(org, api, opportunity):
    advance(api, org, opportunity, "bidding")
    bid = start_bid(api, org.rep, opportunity).json()
    added = api(org.rep).post(
        "/api/v1/bid-checklist-items/",
        {"bid": bid["id"], "text": "Sample units shipped", "required": False},
        format="json",
    )
    assert added.status_code == 201 and added.json()["position"] == 8
    ticked = api(org.fr).post(
        f"/api/v1/bid-checklist-items/{added.json()['id']}/check/", {"done": True}, format="json"
    )
    assert ticked.status_code == 200 and ticked.json()["done_by"] == org.fr.pk
    assert (
        api(org.rep).delete(f"/api/v1/bid-checklist-items/{added.json()['id']}/").status_code == 204
    )
    assert api(org.other_region_rep).get(f"/api/v1/bids/{bid['id']}/").status_code == 404


def test_reminders_go_out_before_the_deadline_once_each(org, api, opportunity):
    advance(api, org, opportunity, "bidding")
    bid = start_bid(api, org.rep, opportunity, days=10).json()
    assert send_bid_reminders.delay().get() == 0  # ten days out: nothing yet
    Bid.objects.filter(pk=bid["id"]).update(deadline=timezone.now() + timedelta(days=2, hours=1))
    assert send_bid_reminders() == 1
    assert set(BidReminder.objects.values_list("kind", flat=True)) == {"3d", "7d"}
    assert send_bid_reminders() == 0  # a rerun sends nothing twice
    notes = Notification.objects.filter(kind="bid.deadline")
    assert {n.recipient.username for n in notes} == {"rep", "sr", "fr"}
    assert "Deadline" in notes.first().display_body
    Bid.objects.filter(pk=bid["id"]).update(deadline=timezone.now() + timedelta(hours=20))
    assert send_bid_reminders() == 1
    assert send_bid_reminders() == 0
    assert BidReminder.objects.filter(kind="1d").count() == 1


def test_a_submitted_bid_gets_no_reminders(org, api, opportunity):
    advance(api, org, opportunity, "bidding")
    bid = start_bid(api, org.rep, opportunity, days=10).json()
    Bid.objects.filter(pk=bid["id"]).update(
        state="submitted", deadline=timezone.now() + timedelta(hours=5)
    )
    assert send_bid_reminders() == 0


def test_the_reminders_run_on_celery_beat():
    entry = settings.CELERY_BEAT_SCHEDULE["opportunities-bid-reminders"]
    assert entry["task"] == "opportunities.tasks.send_bid_reminders"
    assert send_bid_reminders.name == entry["task"]


def test_the_bid_list_runs_a_constant_number_of_queries(org, api, django_assert_max_num_queries):
    from tests.factories import OpportunityFactory, team

    for _ in range(4):
        opportunity = OpportunityFactory(
            owner=org.rep, team=team(ar=org.rep, sr=org.sr, fr=org.fr), state="bidding"
        )
        assert start_bid(api, org.rep, opportunity).status_code == 201
    client = api(org.rep)
    with django_assert_max_num_queries(10):
        response = client.get("/api/v1/bids/")
    assert len(response.json()["results"]) == 4

"""Calendar feeds (issue 22.4): a private, revocable ICS URL per person with their dated work,
each kind read through the access policy, bounded, in a fixed number of queries."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from icalendar import Calendar

from accounts.models import Activity
from calendars.models import CalendarFeed
from calendars.services import calendar_feed_regenerate
from contracts.models import DeliveryMilestone
from core.models import GateReview
from opportunities.models import Bid
from receivables.models import PaymentMilestone
from tests.factories import ContractFactory, OpportunityFactory, team

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate  # called: a run may cross midnight in the site's time zone


def feed_of(client, token) -> dict[str, dict]:
    response = client.get(f"/calendar/{token}.ics")
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"].startswith("text/calendar")
    calendar = Calendar.from_ical(response.content)
    return {
        str(e["UID"]): {
            "summary": str(e["SUMMARY"]),
            "start": e.decoded("DTSTART"),
            "url": str(e.get("URL", "")),
        }
        for e in calendar.walk("VEVENT")
    }


def world(org, n: int = 1, days: int = 5):
    """`n` of each kind for org.rep (AR) with org.sr on the triangle: next steps, bids,
    delivery and payment milestones, and a gate the SR assesses and the manager decides."""
    for i in range(n):
        opportunity = OpportunityFactory(owner=org.rep, team=team(ar=org.rep, sr=org.sr))
        Bid.objects.create(
            opportunity=opportunity, deadline=timezone.now() + dt.timedelta(days=days + i)
        )
        Activity.objects.create(
            kind="call",
            subject_type=ContentType.objects.get_for_model(opportunity),
            subject_id=opportunity.pk,
            customer=opportunity.customer,
            owner=org.rep,
            org_unit=org.gd_carrier,
            summary=f"Call {i}",
            next_step=f"Send the offer {i}",
            next_step_date=TODAY() + dt.timedelta(days=days),
        )
        GateReview.objects.create(
            subject_type=ContentType.objects.get_for_model(opportunity),
            subject_id=opportunity.pk,
            kind="ati",
            title=opportunity.name,
            org_unit=org.gd_carrier,
            team=opportunity.team,
            authority_unit=org.gd_carrier,
            opened_by=org.rep,
        )
        contract = ContractFactory(owner=org.rep, team=team(ar=org.rep, fr=org.fr))
        DeliveryMilestone.objects.create(
            contract=contract,
            kind="arrival",
            name=f"Arrival {i}",
            baseline_date=TODAY(),
            planned_date=TODAY() + dt.timedelta(days=days),
        )
        PaymentMilestone.objects.create(
            contract=contract,
            kind="down_payment",
            name=f"Down payment {i}",
            amount="300000.00",
            currency="CNY",
            due_date=TODAY() + dt.timedelta(days=days),
        )
    return opportunity, contract


def test_each_kind_reaches_the_right_person_with_uid_summary_link_and_date(org, client):
    opportunity, contract = world(org)
    _, rep_token = calendar_feed_regenerate(user=org.rep)
    events = feed_of(client, rep_token)
    kinds = sorted(uid.split("-")[0] for uid in events)
    assert kinds == ["bid", "delivery", "gate", "next", "payment"]  # the AR holds a seat
    bid = next(e for uid, e in events.items() if uid.startswith("bid-"))
    assert bid["summary"] == f"Bid deadline: {opportunity.name}"
    assert isinstance(bid["start"], dt.datetime)  # timed: the submission deadline
    assert bid["url"].endswith(f"/opportunities/{opportunity.pk}/bid/")
    payment = next(e for uid, e in events.items() if uid.startswith("payment-"))
    assert payment["start"] == TODAY() + dt.timedelta(days=5)  # all-day
    assert not isinstance(payment["start"], dt.datetime)
    assert contract.number in payment["summary"]
    step = next(e for uid, e in events.items() if uid.startswith("next-step-"))
    assert step["summary"] == "Send the offer 0".join(["Next step: ", ""])
    assert step["url"].endswith(opportunity.get_absolute_url())

    _, sr_token = calendar_feed_regenerate(user=org.sr)
    sr_events = feed_of(client, sr_token)
    gate = next(e for uid, e in sr_events.items() if uid.startswith("gate-"))
    assert gate["summary"].startswith("Gate to assess:") and gate["start"] == TODAY()
    assert "/gates/" in gate["url"]
    _, manager_token = calendar_feed_regenerate(user=org.manager)
    decide = [e["summary"] for e in feed_of(client, manager_token).values()]
    assert [s for s in decide if s.startswith("Gate to decide:")]
    # The UIDs stay the same from one read to the next: clients update in place.
    assert set(feed_of(client, rep_token)) == set(events)


def test_only_what_the_policy_shows_and_only_in_the_window(org, client):
    world(org)
    # Another team's contract on which the rep holds no seat, a step done, a step too far.
    foreign = ContractFactory(owner=org.other_region_rep)
    PaymentMilestone.objects.create(
        contract=foreign,
        kind="down_payment",
        name="Not yours",
        amount="1.00",
        currency="CNY",
        due_date=TODAY(),
    )
    Activity.objects.filter(owner=org.rep).update(next_step_date=TODAY() + dt.timedelta(days=400))
    PaymentMilestone.objects.filter(contract__owner=org.rep).update(
        due_date=TODAY() - dt.timedelta(days=31)
    )
    _, token = calendar_feed_regenerate(user=org.rep)
    kinds = sorted(uid.split("-")[0] for uid in feed_of(client, token))
    assert kinds == ["bid", "delivery", "gate"]
    # Finance follow every payment they may see; the other region's is not theirs to see.
    _, finance_token = calendar_feed_regenerate(user=org.finance)
    summaries = [e["summary"] for e in feed_of(client, finance_token).values()]
    assert not [s for s in summaries if "Not yours" in s]


def test_summaries_in_the_persons_language(org, client):
    world(org)
    org.rep.language = "zh-hans"
    org.rep.save(update_fields=["language"])
    _, token = calendar_feed_regenerate(user=org.rep)
    summaries = [e["summary"] for e in feed_of(client, token).values()]
    assert any(s.startswith("投标截止") for s in summaries), summaries


def test_the_feed_reads_in_a_fixed_number_of_queries(org, client):
    world(org, n=1)
    _, token = calendar_feed_regenerate(user=org.rep)
    with CaptureQueriesContext(connection) as one:
        feed_of(client, token)
    world(org, n=6)
    with CaptureQueriesContext(connection) as many:
        assert len(feed_of(client, token)) == 5 * 7
    assert len(many) == len(one) <= 12, [q["sql"][:90] for q in many]


def test_regenerate_revokes_and_unknown_revoked_or_deactivated_is_a_404(org, client):
    _, old = calendar_feed_regenerate(user=org.rep)
    _, new = calendar_feed_regenerate(user=org.rep)
    assert client.get(f"/calendar/{old}.ics").status_code == 404
    assert client.get(f"/calendar/{new}.ics").status_code == 200
    assert client.get("/calendar/not-a-token.ics").status_code == 404
    assert CalendarFeed.objects.get(revoked_at__isnull=True).last_used_at is not None
    org.rep.is_active = False
    org.rep.save(update_fields=["is_active"])
    assert client.get(f"/calendar/{new}.ics").status_code == 404
    # Only a hash is stored, and never two active feeds for one person.
    assert not CalendarFeed.objects.filter(token_hash=new).exists()
    with pytest.raises(IntegrityError), transaction.atomic():
        CalendarFeed.objects.create(user=org.rep, token_hash="x" * 64)


def test_the_api_shows_regenerates_and_revokes_ones_own_feed(org, api, client):
    assert api(None).get("/api/v1/calendar-feed/").status_code in (401, 403)
    me = api(org.rep)
    assert me.get("/api/v1/calendar-feed/").json()["active"] is False
    issued = me.post("/api/v1/calendar-feed/regenerate/")
    assert issued.status_code == 201
    path = issued.json()["url"].split("://", 1)[1].split("/", 1)[1]
    assert client.get(f"/{path}").status_code == 200
    assert me.get("/api/v1/calendar-feed/").json()["active"] is True
    assert me.delete("/api/v1/calendar-feed/").status_code == 204
    assert client.get(f"/{path}").status_code == 404
    assert me.get("/api/v1/calendar-feed/").json()["active"] is False


def test_the_page_shows_the_new_address_once_in_either_language(org, browser_client):
    page = browser_client(org.rep)
    assert "You have no calendar feed yet." in page.get("/settings/calendar/").content.decode()
    made = page.post("/settings/calendar/", {"action": "regenerate"}).content.decode()
    assert "/calendar/" in made and ".ics" in made and "data-copy" in made
    again = page.get("/settings/calendar/").content.decode()
    assert ".ics" not in again and "Make a new address" in again
    assert "/settings/calendar/" in page.get("/settings/").content.decode()
    page.post("/settings/calendar/", {"action": "revoke"})
    assert not CalendarFeed.objects.filter(revoked_at__isnull=True).exists()
    org.rep.language = "zh-hans"
    org.rep.save(update_fields=["language"])
    assert "日历" in page.get("/settings/calendar/").content.decode()

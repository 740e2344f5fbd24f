"""An opportunity's timeline reads as sentences in the viewer's language: names instead of ids,
money with its currency, dates in the viewer's locale, checklist ticks folded into one line;
it folds after the latest events, filters by kind, and keeps the raw diff at hand."""

import re
from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.audit import audit_record
from core.records import record_update
from core.timeline import PER_PAGE
from tests.factories import ContactFactory, CustomerFactory, LeadFactory

from .conftest import advance

pytestmark = pytest.mark.django_db

ISO = re.compile(r"\d{4}-\d{2}-\d{2}")


@pytest.fixture
def story(org, api, opportunity):
    """The rep fills the source lead (a contact, a budget, a date), passes ATI, starts the bid
    and ticks six checklist items."""
    for user, (first, last) in ((org.rep, ("Wei", "Chen")), (org.sr, ("Na", "Li"))):
        user.first_name, user.last_name = first, last
        user.save(update_fields=["first_name", "last_name"])
    lead = LeadFactory(owner=org.rep, currency="CNY")
    type(opportunity).objects.filter(pk=opportunity.pk).update(lead=lead)
    contact = ContactFactory(customer=opportunity.customer, name="黄建国")
    record_update(
        lead,
        by=org.rep,
        data={
            "contact": contact,
            "budget_amount": Decimal("12500000"),
            "budget_confirmed": True,
            "expected_close_date": date(2027, 3, 31),
        },
    )
    advance(api, org, opportunity, "bidding")
    bid = api(org.rep).post(
        "/api/v1/bids/",
        {"opportunity": opportunity.pk, "deadline": "2027-01-31T10:00:00+08:00"},
        format="json",
    )
    assert bid.status_code == 201, bid.json()
    for item in bid.json()["checklist"][:6]:
        api(org.rep).post(
            f"/api/v1/bid-checklist-items/{item['id']}/check/", {"done": True}, format="json"
        )
    return opportunity


def timeline_of(client, user, opportunity, query="", language="en"):
    user.language = language
    user.save(update_fields=["language"])
    client.force_login(user)
    response = client.get(opportunity.get_absolute_url() + query)
    assert response.status_code == 200
    html = response.content.decode()
    section = html[
        html.index('id="timeline"') : html.index("</section>", html.index('id="timeline"'))
    ]
    visible = re.sub(r"<details.*?</details>", "", section, flags=re.S)
    return section, re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", visible))


def test_the_timeline_reads_as_sentences_with_names_money_and_dates(client, org, story):
    section, text = timeline_of(client, org.manager, story)
    manager = org.manager.get_full_name()
    assert f"{manager} moved the opportunity from Identified to Initiated (ATI passed)." in text
    assert "Wei Chen moved the opportunity from Initiated (ATI passed) to Guiding" in text
    assert "Wei Chen (AR) assessed ATI: Go." in text and "Na Li (SR) assessed ATI: Go." in text
    assert f"{manager} decided ATI: Go." in text
    assert "Contact set to 黄建国" in text
    assert "Budget amount set to ¥12,500,000.00" in text
    assert "Budget confirmed changed from no to yes" in text
    assert "Expected timeline set to March 31, 2027" in text
    assert "Wei Chen ticked off 6 of the checklist items." in text
    assert "“Bid bond arranged”, “" in text and text.count("Wei Chen ticked off") == 1
    assert not ISO.search(text), ISO.search(text)
    assert "→" not in text and "contact:" not in text.lower()
    assert "<details" in section and "budget_amount" in section  # the raw diff, folded away


def test_the_timeline_reads_in_chinese(client, org, story):
    _section, text = timeline_of(client, org.manager, story, language="zh-hans")
    assert "联系人设为 黄建国" in text
    assert "¥12,500,000.00" in text
    assert "2027年3月31日" in text
    assert "评估了ATI" in text
    assert "Wei Chen勾选了 6 项检查项。" in text and "”、“" in text
    assert not re.search(r"\b(moved|assessed|set to|ticked|changed)\b", text)
    assert not ISO.search(text)


def test_the_timeline_folds_after_the_latest_events_and_shows_more(client, org, opportunity):
    for n in range(PER_PAGE + 5):
        audit_record(target=opportunity, action="activity.logged", actor=org.rep, comment=f"c{n}")
    section, text = timeline_of(client, org.manager, opportunity)
    assert "c24" in text and "c5 " in text and "c4 " not in text
    assert "timeline_page=2" in section
    _section, text = timeline_of(client, org.manager, opportunity, "?timeline_page=2")
    assert "c0 " in text and "Show more" not in text


@pytest.mark.parametrize(
    ("kind", "shown", "hidden"),
    [
        ("state", "moved the opportunity", "assessed"),
        ("gates", "assessed ATI", "moved the opportunity"),
        ("money", "Budget amount set to", "assessed"),
        ("comments", "ok", "Budget amount"),
    ],
)
def test_each_filter_shows_its_kind_only(client, org, story, kind, shown, hidden):
    section, text = timeline_of(client, org.manager, story, f"?timeline={kind}")
    assert shown in text and hidden not in text
    assert f'href="?timeline={kind}#timeline" aria-current="true"' in section


def test_the_page_reads_names_in_bulk_not_per_event(client, org, opportunity):
    """Each event names a different customer, owner and lead: the page's query count does not
    grow with the number of events shown."""

    def add_events(count):
        for _n in range(count):
            lead = LeadFactory(owner=org.rep)
            customer = CustomerFactory(owner=org.rep)
            audit_record(
                target=opportunity,
                action="updated",
                actor=org.rep,
                changes={
                    "customer": [None, customer.pk],
                    "lead": [None, lead.pk],
                    "amount": ["1", "2"],
                    "owner": [org.rep.pk, org.sr.pk],
                    "expected_close_date": [None, "2027-03-31"],
                },
            )
            audit_record(target=opportunity, action="gate.opened", actor=org.sr, changes={})

    def count_queries():
        client.force_login(org.manager)
        with CaptureQueriesContext(connection) as queries:
            page = client.get(opportunity.get_absolute_url())
        assert page.status_code == 200
        return len(queries), page.content.decode()

    add_events(2)
    count_queries()  # warm the caches (content types, the session)
    few, _page = count_queries()
    add_events(8)
    many, page = count_queries()
    assert many == few
    assert page.count("Customer set to") == 10


def test_the_api_gives_the_sentence_and_the_raw_changes(api, org, story):
    rep = api(org.rep)
    rep.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    events = rep.get(f"/api/v1/opportunities/{story.pk}/timeline/").json()
    update = next(e for e in events if "budget_amount" in e["changes"])
    assert update["changes"]["budget_amount"] == [None, "12500000"]
    assert update["sentence"] == "Wei Chen updated the lead."
    assert "Budget amount set to ¥12,500,000.00" in update["details"]
    rep.defaults["HTTP_ACCEPT_LANGUAGE"] = "zh-hans"
    events = rep.get(f"/api/v1/opportunities/{story.pk}/timeline/").json()
    update = next(e for e in events if "budget_amount" in e["changes"])
    assert "预算金额设为 ¥12,500,000.00" in update["details"]


def test_edits_in_a_row_by_one_person_fold_into_one_line(client, org, opportunity):
    record_update(opportunity, by=org.rep, data={"amount": Decimal("2000000")})
    record_update(opportunity, by=org.rep, data={"expected_close_date": date(2027, 6, 30)})
    record_update(opportunity, by=org.manager, data={"amount": Decimal("2500000")})
    _section, text = timeline_of(client, org.manager, opportunity)
    assert text.count(f"{org.rep} updated the opportunity.") == 1
    assert "Expected amount changed from ¥1,000,000.00 to ¥2,000,000.00" in text
    assert "Expected close date set to June 30, 2027" in text
    assert text.count(f"{org.manager} updated the opportunity.") == 1

"""MO's pages: the pipeline board (moves and gated stages), the opportunity page with its
decision-chain map, competitors, quotes and bid, the quote and bid pages, the gate review
page, the approvals inbox, forecast and win/loss — for the right people only."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from core.models import AuthorityRule, GateReview
from opportunities.models import (
    Bid,
    BidSection,
    Competitor,
    DecisionChainMember,
    OpportunityCompetitor,
    PricingRule,
    Quote,
)

from .conftest import advance, assess_all, create_quote, line, open_gate, reload

pytestmark = pytest.mark.django_db


def post(client, url, data, expect=302):
    response = client.post(url, data)
    assert response.status_code == expect, response.content.decode()[-6000:]
    return response


@pytest.mark.parametrize("who", ["rep", "manager", "director", "sr", "finance", "admin"])
def test_the_mo_pages_render_for_every_role(client, org, who, opportunity):
    client.force_login(getattr(org, who))
    for url in (
        "/opportunities/board/",
        "/opportunities/forecast/",
        "/opportunities/win-loss/",
        "/gates/",
    ):
        assert client.get(url).status_code == 200, url


def test_the_board_moves_a_card_and_opens_the_gate_for_a_gated_stage(client, org, opportunity):
    client.force_login(org.rep)
    page = client.get("/opportunities/board/").content.decode()
    assert opportunity.number in page
    assert "Open the review to enter: Initiated (ATI passed)" in page
    response = post(client, f"/opportunities/{opportunity.pk}/move/", {"stage": "initiated"})
    review = GateReview.objects.get(kind="ati")
    assert response["Location"] == review.get_absolute_url()
    assert reload(opportunity).state == "identified"
    # The manager decides; then the card moves on with a plain transition.
    from rest_framework.test import APIClient

    for user, role in ((org.rep, "ar"), (org.sr, "sr"), (org.fr, "fr")):
        api = APIClient()
        api.force_authenticate(user)
        from core.gates import GATE_TOPICS

        api.post(
            f"/api/v1/gate-reviews/{review.pk}/assessments/",
            {
                "verdict": "go",
                "confidence": 60,
                "risk_level": "low",
                "topics": {k: "ok" for k, _l in GATE_TOPICS["ati"][role]},
            },
            format="json",
        )
    client.force_login(org.manager)
    post(client, review.get_absolute_url(), {"form": "decide", "decision": "go", "comment": "Go"})
    client.force_login(org.rep)
    response = post(
        client,
        f"/opportunities/{opportunity.pk}/move/",
        {"stage": "guiding", "next": "/opportunities/board/"},
    )
    assert response["Location"] == "/opportunities/board/"
    assert reload(opportunity).state == "guiding"
    refused = post(client, f"/opportunities/{opportunity.pk}/move/", {"stage": "won"})
    assert reload(opportunity).state == "guiding"
    assert "can be opened only" in client.get(refused["Location"]).content.decode()
    unsafe = post(
        client,
        f"/opportunities/{opportunity.pk}/move/",
        {"stage": "bidding", "next": "https://evil.example/"},
    )
    assert unsafe["Location"] == "/opportunities/board/"


def test_a_teammate_sees_the_board_card_without_a_move_button(client, org, opportunity):
    client.force_login(org.teammate)
    page = client.get("/opportunities/board/").content.decode()
    assert opportunity.number in page and "move-form" not in page
    client.force_login(org.other_region_rep)
    assert opportunity.number not in client.get("/opportunities/board/").content.decode()
    assert client.post(f"/opportunities/{opportunity.pk}/move/", {"stage": "x"}).status_code == 404


def test_the_opportunity_page_shows_the_decision_chain_map(client, org, opportunity, contact):
    client.force_login(org.rep)
    post(
        client,
        f"/opportunities/{opportunity.pk}/decision-chain/add/",
        {
            "contact": contact.pk,
            "role": "decision_maker",
            "stance": "supporter",
            "relationship": "3",
            "coach_level": "sways",
        },
    )
    post(
        client,
        f"/opportunities/{opportunity.pk}/decision-chain/add/",
        {
            "new_contact_name": "Procurement head Wu",
            "role": "procurement",
            "stance": "opponent",
            "relationship": "1",
            "coach_level": "none",
        },
    )
    both = post(
        client,
        f"/opportunities/{opportunity.pk}/decision-chain/add/",
        {"role": "user", "stance": "neutral", "relationship": "0", "coach_level": "none"},
        expect=200,
    )
    assert "Who is it?" in both.content.decode() or "Required." in both.content.decode()
    page = client.get(opportunity.get_absolute_url()).content.decode()
    assert 'class="chain-person stance-supporter"' in page
    assert 'class="chain-person stance-opponent"' in page
    assert "Deputy GM Huang" in page and "Procurement head Wu" in page
    assert "Can sway the decision" in page
    assert "We have a guide who can sway the decision" in page
    assert "Our relationship: Good" in page
    member = DecisionChainMember.objects.get(contact=contact)
    post(
        client,
        f"/opportunities/decision-chain/{member.pk}/",
        {
            "role": "decision_maker",
            "stance": "neutral",
            "relationship": "4",
            "coach_level": "advises",
            "notes": "Met twice",
        },
    )
    member.refresh_from_db()
    assert (member.stance, member.relationship) == ("neutral", 4)
    post(client, f"/opportunities/decision-chain/{member.pk}/remove/", {})
    assert not DecisionChainMember.objects.filter(pk=member.pk).exists()
    timeline = client.get(opportunity.get_absolute_url()).content.decode()
    assert "Removed from the decision chain" in timeline


def test_competitors_on_the_opportunity_page(client, org, opportunity):
    rival = Competitor.objects.create(name="Rival Networks")
    client.force_login(org.rep)
    post(
        client,
        f"/opportunities/{opportunity.pk}/competitors/add/",
        {
            "competitor": rival.pk,
            "threat": "high",
            "price_position": "below",
            "strengths": "Cheap",
            "weaknesses": "Slow delivery",
        },
    )
    page = client.get(opportunity.get_absolute_url()).content.decode()
    assert "Rival Networks" in page and "Cheaper than us" in page and "Slow delivery" in page
    entry = OpportunityCompetitor.objects.get()
    post(
        client,
        f"/opportunities/competitors/{entry.pk}/",
        {
            "threat": "low",
            "price_position": "similar",
            "strengths": "",
            "weaknesses": "",
            "notes": "",
        },
    )
    entry.refresh_from_db()
    assert entry.threat == "low"
    client.force_login(org.teammate)
    assert client.get(f"/opportunities/competitors/{entry.pk}/").status_code == 404


def test_losing_on_the_page_records_a_structured_reason(client, org, opportunity):
    rival = Competitor.objects.create(name="Rival Networks")
    client.force_login(org.rep)
    page = client.get(opportunity.get_absolute_url()).content.decode()
    assert 'name="reason_code"' in page and 'name="lost_to"' in page
    post(client, f"/opportunities/{opportunity.pk}/transitions/lose/", {"reason": "Cheaper"})
    assert reload(opportunity).state == "identified"  # no reason code: refused
    post(
        client,
        f"/opportunities/{opportunity.pk}/transitions/lose/",
        {"reason": "Cheaper", "reason_code": "price", "lost_to": rival.pk},
    )
    opportunity = reload(opportunity)
    assert (opportunity.state, opportunity.close_reason_code, opportunity.lost_to) == (
        "lost",
        "price",
        rival,
    )
    post(
        client,
        f"/opportunities/{opportunity.pk}/close-reason/",
        {"reason_code": "commercial_terms", "reason": "Payment terms", "lost_to": rival.pk},
    )
    assert reload(opportunity).close_reason_code == "commercial_terms"
    page = client.get(opportunity.get_absolute_url()).content.decode()
    assert "Commercial terms" in page
    assert "Rival Networks" in client.get("/opportunities/win-loss/").content.decode()


def test_the_quote_pages_price_submit_and_approve_a_special_price(
    client, org, opportunity, products
):
    PricingRule.objects.create(org_unit=org.gd, max_discount_pct=Decimal("5"))
    client.force_login(org.rep)
    form = client.get(f"/opportunities/{opportunity.pk}/quotes/new/").content.decode()
    assert "RT-100" in form and "US-1" not in form  # only products in the deal's currency
    data = {
        "valid_until": "",
        "notes": "Phase 1",
        "lines-TOTAL_FORMS": "3",
        "lines-INITIAL_FORMS": "0",
        "lines-MIN_NUM_FORMS": "0",
        "lines-MAX_NUM_FORMS": "1000",
        "lines-0-product": products["router"].pk,
        "lines-0-quantity": "2",
        "lines-0-discount_pct": "12",
        "lines-0-description": "",
    }
    response = post(client, f"/opportunities/{opportunity.pk}/quotes/new/", data)
    quote = Quote.objects.get()
    assert response["Location"] == quote.get_absolute_url()
    assert quote.net_total == Decimal("176000.00")
    page = client.get(quote.get_absolute_url()).content.decode()
    assert "A discount is beyond your authority" in page
    missing = post(client, quote.get_absolute_url(), {"action": "submit"}, expect=200)
    assert "Required for a special price." in missing.content.decode()
    post(client, quote.get_absolute_url(), {"action": "submit", "justification": "Price war"})
    quote.refresh_from_db()
    assert quote.state == "pending_approval"

    client.force_login(org.manager)
    inbox = client.get("/gates/").content.decode()
    assert "Special prices to approve" in inbox and quote.get_absolute_url() in inbox
    no_reason = post(
        client, quote.get_absolute_url(), {"action": "decide", "decision": "reject"}, expect=200
    )
    assert "Required." in no_reason.content.decode()
    post(
        client,
        quote.get_absolute_url(),
        {"action": "decide", "decision": "approve", "reason": "Strategic"},
    )
    quote.refresh_from_db()
    assert quote.state == "approved" and reload(opportunity).amount == quote.total
    edit = client.get(f"/opportunities/{opportunity.pk}/edit/").content.decode()
    assert "Set by the approved quote." in edit

    client.force_login(org.other_team_rep)
    assert client.get(quote.get_absolute_url()).status_code == 404


def test_editing_a_draft_keeps_its_untouched_lines(client, org, api, opportunity, products):
    quote = create_quote(
        api, org.rep, opportunity, [line(products["router"], "1"), line(products["service"], "2")]
    ).json()
    client.force_login(org.rep)
    form = {
        "valid_until": "",
        "notes": "",
        "lines-TOTAL_FORMS": "5",
        "lines-INITIAL_FORMS": "2",
        "lines-MIN_NUM_FORMS": "0",
        "lines-MAX_NUM_FORMS": "1000",
        "lines-0-product": products["router"].pk,
        "lines-0-quantity": "1.00",
        "lines-0-discount_pct": "0.00",
        "lines-0-description": "Core router",
        "lines-1-product": products["service"].pk,
        "lines-1-quantity": "5",
        "lines-1-discount_pct": "0.00",
        "lines-1-description": "Installation service",
    }
    post(client, f"/opportunities/quotes/{quote['id']}/edit/", form)
    lines = list(Quote.objects.get(pk=quote["id"]).lines.values_list("quantity", flat=True))
    assert lines == [Decimal("1.00"), Decimal("5.00")]
    form["lines-1-DELETE"] = "on"
    post(client, f"/opportunities/quotes/{quote['id']}/edit/", form)
    assert Quote.objects.get(pk=quote["id"]).lines.count() == 1
    bad = dict(form, **{"lines-0-quantity": "0"})
    response = post(client, f"/opportunities/quotes/{quote['id']}/edit/", bad, expect=200)
    assert "Must be at least 0.01." in response.content.decode()


def test_the_bid_page_prepares_and_tracks_the_bid(client, org, api, opportunity):
    advance(api, org, opportunity, "bidding")
    client.force_login(org.rep)
    deadline = (timezone.localtime() + timedelta(days=4)).strftime("%Y-%m-%dT%H:%M")
    post(
        client,
        f"/opportunities/{opportunity.pk}/bid/",
        {"action": "save", "deadline": deadline, "tender_reference": "T-1"},
    )
    bid = Bid.objects.get()
    technical = BidSection.objects.get(bid=bid, kind="technical")
    client.force_login(org.sr)
    page = client.get(f"/opportunities/{opportunity.pk}/bid/").content.decode()
    assert "Technical" in page and "Sections not done" in page
    post(
        client,
        f"/opportunities/{opportunity.pk}/bid/",
        {
            "action": "section",
            "section": technical.pk,
            f"s{technical.pk}-status": "done",
            f"s{technical.pk}-notes": "Compliance matrix answered",
        },
    )
    technical.refresh_from_db()
    assert technical.status == "done" and technical.completed_at is not None
    item = bid.checklist.first()
    post(
        client,
        f"/opportunities/{opportunity.pk}/bid/",
        {"action": "check", "item": item.pk, "done": "1"},
    )
    item.refresh_from_db()
    assert item.done and item.done_by == org.sr
    response = post(client, f"/opportunities/{opportunity.pk}/bid/", {"action": "submit"})
    assert "The ATB review has not decided go" in client.get(response["Location"]).content.decode()
    client.force_login(org.other_team_rep)
    assert client.get(f"/opportunities/{opportunity.pk}/bid/").status_code == 404


def test_the_gate_review_page_shows_facts_and_assessments_side_by_side(
    client, org, api, opportunity, products
):
    AuthorityRule.objects.create(org_unit=org.gd, gate_kind="atb", min_margin_pct=Decimal("50"))
    advance(api, org, opportunity, "bidding")
    quote = create_quote(api, org.rep, opportunity, [line(products["router"], "2")]).json()
    api(org.rep).post(f"/api/v1/quotes/{quote['id']}/submit/", {}, format="json")
    review = open_gate(api, org.rep, opportunity, "atb").json()
    assess_all(api, org, review["id"], "atb")
    client.force_login(org.manager)
    page = client.get(f"/gates/{review['id']}/").content.decode()
    assert "Price floor (approved quote total)" in page and "¥226,000.00" in page
    assert "Assessments side by side" in page and "price_floor ok" in page
    assert 'name="decision"' not in page  # escalated: the team manager may not decide
    assert "Gross margin 40.00% is below 50.00%." in page
    client.force_login(org.director)
    page = client.get(f"/gates/{review['id']}/").content.decode()
    assert 'name="decision"' in page
    post(client, f"/gates/{review['id']}/", {"form": "decide", "decision": "go", "comment": "Bid"})
    assert reload(opportunity).state == "bid_submitted"


def test_the_pages_speak_chinese(client, org, opportunity, contact):
    DecisionChainMember.objects.create(
        opportunity=opportunity, contact=contact, role="decision_maker", stance="supporter"
    )
    org.rep.language = "zh-hans"
    org.rep.save()
    client.force_login(org.rep)
    page = client.get(opportunity.get_absolute_url()).content.decode()
    assert "决策链" in page and "支持者" in page
    board = client.get("/opportunities/board/").content.decode()
    assert "管道看板" in board or "销售看板" in board


def test_the_board_and_list_pages_run_a_constant_number_of_queries(
    client, org, django_assert_max_num_queries
):
    from tests.factories import OpportunityFactory

    for _ in range(12):
        OpportunityFactory(owner=org.rep)
    client.force_login(org.rep)
    client.get("/opportunities/board/")  # warm the content-type cache
    with django_assert_max_num_queries(14):
        board = client.get("/opportunities/board/")
    assert board.content.decode().count('class="item"') == 12
    with django_assert_max_num_queries(14):
        assert client.get("/opportunities/").status_code == 200


def test_a_won_opportunity_page_shows_its_contract_draft_on_the_timeline(
    client, org, api, opportunity
):
    advance(api, org, opportunity, "won")
    client.force_login(org.rep)
    page = client.get(opportunity.get_absolute_url())
    assert page.status_code == 200
    content = page.content.decode()
    assert "Contract drafted" in content and "Record the win/loss reason" in content


def test_a_submitted_quote_is_not_edited_on_its_form(client, org, api, opportunity, products):
    quote = create_quote(api, org.rep, opportunity, [line(products["router"])]).json()
    api(org.rep).post(f"/api/v1/quotes/{quote['id']}/submit/", {}, format="json")
    client.force_login(org.rep)
    response = client.get(f"/opportunities/quotes/{quote['id']}/edit/")
    assert (
        response.status_code == 302
        and response["Location"] == f"/opportunities/quotes/{quote['id']}/"
    )


def test_the_board_page_shows_twenty_cards_a_column_and_counts_the_rest(
    client, org, django_assert_max_num_queries
):
    from tests.factories import OpportunityFactory

    for _n in range(23):
        OpportunityFactory(owner=org.rep, state="bidding")
    client.force_login(org.rep)
    with django_assert_max_num_queries(20):
        page = client.get("/opportunities/board/").content.decode()
    assert "and 3 more" in page


def test_the_board_filters_by_owner_and_shows_a_bad_owner_as_a_form_error(client, org):
    from tests.factories import OpportunityFactory

    mine = OpportunityFactory(owner=org.rep, state="bidding")
    theirs = OpportunityFactory(owner=org.teammate, state="bidding")
    client.force_login(org.manager)
    page = client.get("/opportunities/board/", {"owner": org.teammate.pk}).content.decode()
    assert theirs.number in page and mine.number not in page
    assert f'<option value="{org.teammate.pk}" selected>' in page
    bad = client.get("/opportunities/board/", {"owner": "nobody"})
    assert bad.status_code == 200
    text = bad.content.decode()
    assert mine.number in text and theirs.number in text and "errorlist" in text


def test_one_a_role_lets_change_the_deal_keeps_its_customer_on_the_edit_form(org, opportunity):
    """A configured role granting opportunities (not customers) still saves the edit form:
    the deal's own customer is among the choices, no other customer they may not see."""
    from accounts.models import RoleDefinition
    from accounts.services import role_assign
    from core.choices import Role
    from opportunities.forms import OpportunityForm
    from tests.factories import CustomerFactory, UserFactory

    presales = UserFactory(role=Role.SOLUTION_MANAGER, org_unit=org.gd_gov)
    role = RoleDefinition.objects.create(
        code="presales",
        name_en="Presales engineer",
        permissions=["opportunities.view", "opportunities.change"],
    )
    role_assign(by=org.admin, user=presales, role=role, org_unit=org.gd_carrier, scope="team")
    other = CustomerFactory(owner=org.rep)
    choices = OpportunityForm(instance=opportunity, user=presales).fields["customer"].queryset
    assert list(choices) == [opportunity.customer] and other not in choices

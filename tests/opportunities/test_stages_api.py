"""Every stage transition through the API: the user transitions, the gated ones that only a
"go" runs, losing and abandoning from every open stage with a structured reason, the board's
moves, and what a stage change carries along (probability, open reviews, the bid)."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from core.models import GateReview, Notification
from opportunities.models import Bid, Competitor, StageProbability

from .conftest import advance, open_gate, reload, transition

pytestmark = pytest.mark.django_db

OPEN = ["identified", "initiated", "guiding", "bidding", "bid_submitted", "negotiating"]


@pytest.mark.parametrize(
    ("start", "name", "target"),
    [
        ("initiated", "start_guiding", "guiding"),
        ("guiding", "start_bidding", "bidding"),
        ("bid_submitted", "award", "negotiating"),
    ],
)
def test_the_user_transitions_move_one_stage_and_are_audited(
    org, api, opportunity, start, name, target
):
    advance(api, org, opportunity, start)
    response = transition(api, org.rep, opportunity, name, comment="next")
    assert response.status_code == 200, response.json()
    assert response.json()["state"] == target
    timeline = api(org.rep).get(f"/api/v1/opportunities/{opportunity.pk}/timeline/").json()
    assert timeline[0]["transition"] == name and timeline[0]["to_state"] == target


@pytest.mark.parametrize(
    ("start", "name"),
    [("identified", "pass_ati"), ("bidding", "submit_bid"), ("negotiating", "win")],
)
def test_a_gated_stage_is_entered_only_through_its_gate(org, api, opportunity, start, name):
    advance(api, org, opportunity, start)
    response = transition(api, org.rep, opportunity, name)
    assert response.status_code == 409
    assert response.json()["code"] == "transition_internal"
    assert reload(opportunity).state == start


@pytest.mark.parametrize(
    ("start", "name"),
    [
        ("identified", "start_guiding"),
        ("identified", "award"),
        ("guiding", "award"),
        ("negotiating", "start_bidding"),
    ],
)
def test_a_transition_from_the_wrong_stage_is_409(org, api, opportunity, start, name):
    advance(api, org, opportunity, start)
    response = transition(api, org.rep, opportunity, name)
    assert response.status_code == 409
    assert reload(opportunity).state == start


def test_the_full_path_to_won_through_the_api(org, api, opportunity):
    won = advance(api, org, opportunity, "won")
    assert won.state == "won" and won.closed_at is not None
    assert won.probability_pct == Decimal("100")
    kinds = set(GateReview.objects.filter(state="go").values_list("kind", flat=True))
    assert kinds == {"ati", "atb", "atc"}


@pytest.mark.parametrize("start", OPEN)
@pytest.mark.parametrize("name", ["lose", "abandon"])
def test_lost_and_abandoned_are_reachable_from_every_open_stage_with_a_reason(
    org, api, opportunity, start, name
):
    advance(api, org, opportunity, start)
    no_code = transition(api, org.rep, opportunity, name, reason="Budget moved to 2028")
    assert no_code.status_code == 400 and "reason_code" in no_code.json()["fields"]
    no_reason = transition(api, org.rep, opportunity, name, reason_code="budget")
    assert no_reason.status_code == 400 and "reason" in no_reason.json()["fields"]
    assert reload(opportunity).state == start
    ok = transition(
        api, org.rep, opportunity, name, reason="Budget moved to 2028", reason_code="budget"
    )
    assert ok.status_code == 200, ok.json()
    body = ok.json()
    assert body["state"] == ("lost" if name == "lose" else "abandoned")
    assert body["close_reason_code"] == "budget"
    assert body["close_reason"] == "Budget moved to 2028"
    assert body["probability_pct"] == "0.00"
    assert transition(api, org.rep, opportunity, "start_guiding").status_code == 409


def test_a_lost_deal_names_the_competitor_that_won(org, api, opportunity):
    rival = Competitor.objects.create(name="Rival Networks")
    response = transition(
        api,
        org.rep,
        opportunity,
        "lose",
        reason="Undercut by 18%",
        reason_code="price",
        lost_to=rival.pk,
    )
    assert response.json()["lost_to"] == rival.pk
    unknown = transition(api, org.rep, opportunity, "abandon", reason="x", reason_code="nonsense")
    assert unknown.status_code == 400


def test_closing_withdraws_the_open_review_and_cancels_the_bid(org, api, opportunity):
    advance(api, org, opportunity, "bidding")
    Bid.objects.create(opportunity=opportunity, deadline=timezone.now() + timedelta(days=5))
    review = open_gate(api, org.rep, opportunity, "atb")
    assert review.status_code == 409  # the bid is not complete: ATB cannot open yet
    transition(
        api, org.rep, opportunity, "abandon", reason="Tender cancelled", reason_code="budget"
    )
    assert Bid.objects.get(opportunity=opportunity).state == "cancelled"


def test_closing_tells_who_was_to_act_on_the_open_review(org, api, opportunity):
    review_id = open_gate(api, org.rep, opportunity).json()["id"]
    transition(api, org.rep, opportunity, "lose", reason="Gone", reason_code="no_decision")
    assert GateReview.objects.get(pk=review_id).state == "withdrawn"
    told = set(
        Notification.objects.filter(kind="gate.withdrawn").values_list(
            "recipient__username", flat=True
        )
    )
    assert told == {"sr", "fr", "manager"}


def test_only_the_team_may_change_the_stage(org, api, opportunity):
    assert transition(api, org.teammate, opportunity, "lose", reason="x").status_code == 403
    assert transition(api, org.other_region_rep, opportunity, "lose").status_code == 404


def test_the_win_probability_follows_the_stage_and_its_configuration(org, api, opportunity):
    StageProbability.objects.create(stage="guiding", probability_pct=Decimal("30"))
    StageProbability.objects.create(org_unit=org.gd, stage="guiding", probability_pct=Decimal("45"))
    advance(api, org, opportunity, "guiding")
    body = api(org.rep).get(f"/api/v1/opportunities/{opportunity.pk}/").json()
    assert body["probability_pct"] == "45.00"
    assert body["weighted_amount"] == "450000.00"
    created = api(org.rep).post(
        "/api/v1/opportunities/",
        {"name": "New", "customer": opportunity.customer.pk, "amount": "100.00"},
        format="json",
    )
    assert created.json()["probability_pct"] == "10.00"  # the built-in default


# --- The board ------------------------------------------------------------------------------


def move(api, user, opportunity, stage):
    return api(user).post(
        f"/api/v1/opportunities/{opportunity.pk}/move/", {"stage": stage}, format="json"
    )


def test_moving_a_card_runs_the_transition(org, api, opportunity):
    advance(api, org, opportunity, "initiated")
    response = move(api, org.rep, opportunity, "guiding")
    assert response.status_code == 200
    assert response.json()["outcome"] == "moved"
    assert response.json()["opportunity"]["state"] == "guiding"


def test_moving_into_a_gated_stage_opens_the_review_instead(org, api, opportunity):
    response = move(api, org.rep, opportunity, "initiated")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["outcome"] == "review_opened"
    assert body["opportunity"]["state"] == "identified"
    review = GateReview.objects.get(pk=body["review"])
    assert review.kind == "ati" and body["review_url"] == f"/gates/{review.pk}/"
    again = move(api, org.rep, opportunity, "initiated").json()
    assert again["outcome"] == "review_open" and again["review"] == review.pk
    assert GateReview.objects.count() == 1


def test_a_board_move_that_is_not_a_transition_is_refused(org, api, opportunity):
    skip = move(api, org.rep, opportunity, "negotiating")
    assert skip.status_code == 409 and "stage" in skip.json()["fields"]
    lose = move(api, org.rep, opportunity, "lost")
    assert lose.status_code == 400 and "stage" in lose.json()["fields"]
    gated_too_early = move(api, org.rep, opportunity, "won")
    assert gated_too_early.status_code == 409
    bad = move(api, org.rep, opportunity, "nowhere")
    assert bad.status_code == 400
    assert move(api, org.teammate, opportunity, "initiated").status_code == 403


def test_the_board_endpoint_groups_by_stage(org, api, opportunity, django_assert_max_num_queries):
    from tests.factories import OpportunityFactory

    for _ in range(5):
        OpportunityFactory(owner=org.rep)
    client = api(org.rep)
    with django_assert_max_num_queries(6):
        columns = client.get("/api/v1/opportunities/board/").json()
    assert [c["stage"] for c in columns] == [*OPEN, "won"]
    assert columns[0]["count"] == 6 and len(columns[0]["cards"]) == 6
    assert columns[0]["totals"] == [{"currency": "CNY", "count": 6, "amount": "6000000.00"}]
    assert api(org.other_region_rep).get("/api/v1/opportunities/board/").json()[0]["count"] == 0


def test_the_won_column_holds_the_deals_won_in_the_last_90_days(org, api):
    import datetime as dt

    from django.utils import timezone

    from tests.factories import OpportunityFactory

    now = timezone.now()
    recent = OpportunityFactory(owner=org.rep, state="won", closed_at=now - dt.timedelta(days=89))
    old = OpportunityFactory(owner=org.rep, state="won", closed_at=now - dt.timedelta(days=91))
    columns = {c["stage"]: c for c in api(org.rep).get("/api/v1/opportunities/board/").json()}
    assert [card["id"] for card in columns["won"]["cards"]] == [recent.pk]
    assert columns["won"]["count"] == 1 and old.pk not in {
        card["id"] for column in columns.values() for card in column["cards"]
    }

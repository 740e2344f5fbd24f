"""The decision chain and competitors through the API, the competitor catalogue, and the
win/loss report by reason and by competitor."""

from decimal import Decimal

import pytest

from core.models import AuditEvent
from opportunities.models import Competitor, DecisionChainMember
from tests.factories import ContactFactory, CustomerFactory, OpportunityFactory, team

from .conftest import advance, transition

pytestmark = pytest.mark.django_db


def add_person(api, user, opportunity, **data):
    return api(user).post(
        "/api/v1/decision-chain/", {"opportunity": opportunity.pk, **data}, format="json"
    )


def test_the_decision_chain_maps_people_with_role_stance_strength_and_guide_level(
    org, api, opportunity, contact
):
    response = add_person(
        api,
        org.rep,
        opportunity,
        contact=contact.pk,
        role="decision_maker",
        stance="supporter",
        relationship=3,
        coach_level="sways",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["contact_name"], body["role"], body["stance"], body["coach_level"]) == (
        "Deputy GM Huang",
        "decision_maker",
        "supporter",
        "sways",
    )
    engineer = add_person(
        api,
        org.sr,
        opportunity,
        new_contact={"name": "Chief engineer Li", "title": "CTO office"},
        role="technical_gatekeeper",
        stance="opponent",
        reports_to=body["id"],
    )
    assert engineer.status_code == 201, engineer.json()
    assert engineer.json()["reports_to"] == body["id"]
    assert opportunity.customer.contacts.filter(name="Chief engineer Li").exists()
    changed = api(org.rep).patch(
        f"/api/v1/decision-chain/{engineer.json()['id']}/", {"stance": "neutral"}, format="json"
    )
    assert changed.status_code == 200 and changed.json()["stance"] == "neutral"
    event = AuditEvent.objects.filter(target_id=engineer.json()["id"], action="updated").get()
    assert event.changes == {"stance": ["opponent", "neutral"]}
    listed = api(org.rep).get(f"/api/v1/decision-chain/?opportunity={opportunity.pk}").json()
    assert len(listed["results"]) == 2


def test_bad_decision_chain_input_is_400(org, api, opportunity, contact):
    stranger = ContactFactory(
        name="Someone else's contact", customer=CustomerFactory(owner=org.other_team_rep)
    )
    wrong = add_person(api, org.rep, opportunity, contact=stranger.pk, role="user")
    assert wrong.status_code == 400 and "contact" in wrong.json()["fields"]
    nobody = add_person(api, org.rep, opportunity, role="user")
    assert nobody.status_code == 400 and "contact" in nobody.json()["fields"]
    bad_role = add_person(api, org.rep, opportunity, contact=contact.pk, role="king")
    assert bad_role.status_code == 400 and "role" in bad_role.json()["fields"]
    strength = add_person(
        api, org.rep, opportunity, contact=contact.pk, role="user", relationship=9
    )
    assert strength.status_code == 400
    add_person(api, org.rep, opportunity, contact=contact.pk, role="user")
    twice = add_person(api, org.rep, opportunity, contact=contact.pk, role="finance")
    assert twice.status_code == 400
    assert DecisionChainMember.objects.count() == 1


def test_the_decision_chain_follows_the_opportunitys_access(org, api, opportunity, contact):
    member = add_person(api, org.rep, opportunity, contact=contact.pk, role="user").json()
    assert api(org.other_team_rep).get(f"/api/v1/decision-chain/{member['id']}/").status_code == 404
    assert api(org.other_region_manager).get("/api/v1/decision-chain/").json()["results"] == []
    assert api(org.teammate).get(f"/api/v1/decision-chain/{member['id']}/").status_code == 200
    assert (
        api(org.teammate)
        .patch(f"/api/v1/decision-chain/{member['id']}/", {"stance": "opponent"}, format="json")
        .status_code
        == 403
    )
    foreign = add_person(api, org.other_region_rep, opportunity, contact=contact.pk, role="user")
    assert foreign.status_code == 400 and "opportunity" in foreign.json()["fields"]
    assert api(org.rep).delete(f"/api/v1/decision-chain/{member['id']}/").status_code == 204
    assert AuditEvent.objects.filter(action="decision_chain.removed").exists()


def test_competitors_are_a_shared_catalogue_and_entries_per_opportunity(org, api, opportunity):
    created = api(org.rep).post("/api/v1/competitors/", {"name": "Rival Networks"}, format="json")
    assert created.status_code == 201
    dup = api(org.sr).post("/api/v1/competitors/", {"name": "rival networks"}, format="json")
    assert dup.status_code == 400 and "name" in dup.json()["fields"]
    rename = api(org.rep).patch(
        f"/api/v1/competitors/{created.json()['id']}/", {"name": "Rival"}, format="json"
    )
    assert rename.status_code == 403
    entry = api(org.rep).post(
        "/api/v1/opportunity-competitors/",
        {
            "opportunity": opportunity.pk,
            "competitor": created.json()["id"],
            "strengths": "Cheap",
            "weaknesses": "No local delivery team",
            "threat": "high",
            "price_position": "below",
            "is_incumbent": True,
        },
        format="json",
    )
    assert entry.status_code == 201, entry.json()
    assert entry.json()["competitor_name"] == "Rival Networks"
    again = api(org.rep).post(
        "/api/v1/opportunity-competitors/",
        {"opportunity": opportunity.pk, "competitor": created.json()["id"]},
        format="json",
    )
    assert again.status_code == 400
    bad = api(org.rep).post(
        "/api/v1/opportunity-competitors/",
        {"opportunity": opportunity.pk, "competitor": created.json()["id"], "threat": "extreme"},
        format="json",
    )
    assert bad.status_code == 400 and "threat" in bad.json()["fields"]
    hidden = api(org.other_team_rep).get(f"/api/v1/opportunity-competitors/{entry.json()['id']}/")
    assert hidden.status_code == 404


def test_win_loss_is_reported_by_reason_and_by_competitor(org, api):
    rival = Competitor.objects.create(name="Rival Networks")
    other = Competitor.objects.create(name="Other Systems")

    def closed(name, **data):
        opportunity = OpportunityFactory(
            owner=org.rep, team=team(ar=org.rep, sr=org.sr, fr=org.fr), amount=Decimal("100.00")
        )
        for competitor in (rival, other):
            api(org.rep).post(
                "/api/v1/opportunity-competitors/",
                {"opportunity": opportunity.pk, "competitor": competitor.pk},
                format="json",
            )
        if name == "win":
            return advance(api, org, opportunity, "won")
        response = transition(api, org.rep, opportunity, name, **data)
        assert response.status_code == 200, response.json()
        return opportunity

    closed("lose", reason="18% cheaper", reason_code="price", lost_to=rival.pk)
    closed("lose", reason="Cheaper again", reason_code="price", lost_to=rival.pk)
    closed("lose", reason="Better references", reason_code="brand", lost_to=other.pk)
    closed("abandon", reason="Budget cut", reason_code="budget")
    won = closed("win")
    recorded = api(org.rep).post(
        f"/api/v1/opportunities/{won.pk}/close-reason/",
        {"reason_code": "relationship", "reason": "The CIO backed us"},
        format="json",
    )
    assert recorded.status_code == 200 and recorded.json()["close_reason_code"] == "relationship"

    report = api(org.rep).get("/api/v1/opportunities/win-loss/").json()
    by_reason = {(r["state"], r["close_reason_code"]): r["count"] for r in report["by_reason"]}
    assert by_reason == {
        ("lost", "price"): 2,
        ("lost", "brand"): 1,
        ("abandoned", "budget"): 1,
        ("won", "relationship"): 1,
    }
    rows = {r["name"]: r for r in report["by_competitor"]}
    assert rows["Rival Networks"]["met"] == 5
    assert (rows["Rival Networks"]["won"], rows["Rival Networks"]["lost"]) == (1, 3)
    assert rows["Rival Networks"]["lost_to"] == 2
    assert rows["Rival Networks"]["reasons"] == {"Price": 2}
    assert rows["Rival Networks"]["win_rate_pct"] == "25.0"
    assert api(org.other_region_rep).get("/api/v1/opportunities/win-loss/").json() == {
        "by_reason": [],
        "by_competitor": [],
    }
    bad = api(org.rep).get("/api/v1/opportunities/win-loss/?period=someday")
    assert bad.status_code == 400 and "period" in bad.json()["fields"]


def test_a_win_loss_reason_is_recorded_only_on_a_closed_opportunity(org, api, opportunity):
    response = api(org.rep).post(
        f"/api/v1/opportunities/{opportunity.pk}/close-reason/",
        {"reason_code": "price"},
        format="json",
    )
    assert response.status_code == 409


def test_the_decision_chain_list_runs_a_constant_number_of_queries(
    org, api, opportunity, django_assert_max_num_queries
):
    for i in range(6):
        add_person(
            api,
            org.rep,
            opportunity,
            contact=ContactFactory(customer=opportunity.customer).pk,
            role="influencer",
            relationship=i % 5,
        )
    client = api(org.rep)
    with django_assert_max_num_queries(6):
        response = client.get("/api/v1/decision-chain/")
    assert len(response.json()["results"]) == 6

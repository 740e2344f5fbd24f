"""Distribution: by hand, by rules (region, industry, product; round-robin in a team), and to
the account manager of a registered customer (客户报备); the new owner is told."""

import pytest

from core.choices import Role
from core.models import AuditEvent, Notification
from leads.models import DistributionRule, Lead
from tests.factories import CustomerFactory, LeadFactory, UserFactory

pytestmark = pytest.mark.django_db


def verified(org, **fields) -> Lead:
    fields.setdefault("org_unit", org.gd_carrier)
    lead = LeadFactory(
        need_confirmed=True,
        budget_confirmed=True,
        authority_identified=True,
        timeline_confirmed=True,
        **fields,
    )
    Lead.objects.filter(pk=lead.pk).update(state="verified")
    lead.refresh_from_db()
    return lead


def rule(org, **fields) -> DistributionRule:
    assignees = fields.pop("assignees", [])
    fields.setdefault("org_unit", org.gd)
    fields.setdefault("team", org.gd_gov)
    created = DistributionRule.objects.create(name=fields.pop("name", "rule"), **fields)
    created.assignees.set(assignees)
    return created


def distribute(client, lead, **data):
    return client.post(f"/api/v1/leads/{lead.pk}/distribute/", data, format="json")


def test_manual_distribution_to_a_named_owner(org, api):
    lead = verified(org)
    response = distribute(api(org.manager), lead, owner=org.teammate.pk, comment="Yours")
    assert response.status_code == 200, response.json()
    assert response.json()["state"] == "distributed" and response.json()["owner"] == org.teammate.pk
    notes = Notification.objects.filter(recipient=org.teammate)
    assert notes.count() == 1  # told once, not once per step


def test_a_manager_assigns_only_within_their_subtree(org, api):
    lead = verified(org)
    response = distribute(api(org.manager), lead, owner=org.other_team_rep.pk)
    assert response.status_code == 400 and "owner" in response.json()["fields"]
    assert Lead.objects.get(pk=lead.pk).state == "verified"


def test_a_registered_customers_lead_goes_to_its_account_manager(org, api):
    customer = CustomerFactory(owner=org.teammate)
    lead = verified(org, customer=customer)
    rule(org, team=org.gd_carrier, assignees=[org.rep])  # would say otherwise
    response = distribute(api(org.manager), lead)
    assert response.json()["owner"] == org.teammate.pk
    routed = AuditEvent.objects.get(target_id=lead.pk, action="lead.routed")
    assert "客户报备" in routed.comment


def test_a_company_name_matching_a_registered_customer_counts_too(org, api):
    CustomerFactory(name="广州地铁集团有限公司", owner=org.other_team_rep)
    lead = api(org.director).post(
        "/api/v1/leads/", {"title": "Wi-Fi", "company_name": "广州地铁集团 有限公司"}, format="json"
    )
    assert Lead.objects.get(pk=lead.json()["id"]).owner == org.other_team_rep


@pytest.mark.parametrize(
    ("criteria", "facts", "matches"),
    [
        ({"regions": "广东, 广西"}, {"region": "广东省"}, True),
        ({"regions": "广西"}, {"region": "广东省"}, False),
        ({"regions": "广西"}, {"region": ""}, False),
        ({"industry": "healthcare"}, {"industry": "healthcare"}, True),
        ({"industry": "healthcare"}, {"industry": "telecom"}, False),
        ({"product_keywords": "5G，IoT"}, {"product_interest": "NB-IoT meters"}, True),
        ({"product_keywords": "5G"}, {"product_interest": "Wi-Fi 7"}, False),
        ({"product_keywords": "5g"}, {"title": "5G campus network"}, True),
        ({}, {}, True),
    ],
)
def test_rules_match_on_region_industry_and_product(org, api, criteria, facts, matches):
    rule(org, assignees=[org.other_team_rep], **criteria)
    lead = verified(org, **facts)
    response = distribute(api(org.director), lead)
    if matches:
        assert response.status_code == 200
        assert response.json()["owner"] == org.other_team_rep.pk
        assert response.json()["org_unit"] == org.gd_gov.pk
    else:
        assert response.status_code == 409 and "owner" in response.json()["fields"]


def test_a_customers_region_and_industry_count_when_the_lead_has_none(org, api):
    customer = CustomerFactory(
        owner=None, org_unit=org.gd_carrier, region="广东", industry="energy"
    )
    rule(org, regions="广东", industry="energy", assignees=[org.other_team_rep])
    lead = verified(org, customer=customer)
    assert distribute(api(org.director), lead).json()["owner"] == org.other_team_rep.pk


def test_round_robin_inside_the_team(org, api):
    second = UserFactory(username="gov2", role=Role.SALES_REP, org_unit=org.gd_gov)
    UserFactory(username="gov_mgr", role=Role.SALES_MANAGER, org_unit=org.gd_gov)
    UserFactory(username="gone", role=Role.SALES_REP, org_unit=org.gd_gov, is_active=False)
    rule(org)  # no assignees: the team's active reps in turn
    owners = [distribute(api(org.director), verified(org)).json()["owner"] for _ in range(5)]
    assert owners == [org.other_team_rep.pk, second.pk] * 2 + [org.other_team_rep.pk]


def test_round_robin_over_named_assignees_in_order(org, api):
    rule(org, team=org.gd_carrier, assignees=[org.teammate, org.rep])
    owners = [distribute(api(org.manager), verified(org)).json()["owner"] for _ in range(3)]
    assert owners == sorted([org.rep.pk, org.teammate.pk]) + [min(org.rep.pk, org.teammate.pk)]


def test_the_first_rule_by_priority_then_the_nearest_unit_wins(org, api):
    rule(org, name="office", priority=10, org_unit=org.gd, assignees=[org.other_team_rep])
    rule(
        org,
        name="team",
        priority=10,
        org_unit=org.gd_carrier,
        assignees=[org.teammate],
        team=org.gd_carrier,
    )
    rule(
        org,
        name="first",
        priority=1,
        org_unit=org.hq,
        assignees=[org.rep],
        team=org.gd_carrier,
        product_keywords="5G",
    )
    assert distribute(api(org.director), verified(org)).json()["owner"] == org.teammate.pk
    lead = verified(org, product_interest="5G core")
    assert distribute(api(org.director), lead).json()["owner"] == org.rep.pk


def test_inactive_rules_and_rules_of_other_units_do_not_apply(org, api):
    rule(org, is_active=False, assignees=[org.other_team_rep])
    rule(org, org_unit=org.js, team=org.js_carrier, assignees=[org.other_region_rep])
    assert distribute(api(org.director), verified(org)).status_code == 409


def test_a_pool_rule_moves_the_lead_to_a_team_without_an_owner(org, api):
    rule(org, assign_owner=False)
    created = api(org.rep).post(
        "/api/v1/leads/", {"title": "x", "company_name": "New Co"}, format="json"
    )
    lead = Lead.objects.get(pk=created.json()["id"])
    assert lead.owner is None and lead.org_unit == org.gd_gov


def test_new_leads_are_routed_at_capture_and_the_owner_told(org, api):
    rule(org, assignees=[org.other_team_rep])
    created = api(org.rep).post(
        "/api/v1/leads/", {"title": "x", "company_name": "New Co"}, format="json"
    )
    lead = Lead.objects.get(pk=created.json()["id"])
    assert lead.owner == org.other_team_rep and lead.state == "new"
    assert Notification.objects.filter(recipient=org.other_team_rep).count() == 1


def test_the_board_button_distributes_by_the_rules(org, client):
    rule(org, assignees=[org.other_team_rep])
    lead = verified(org)
    client.force_login(org.director)
    response = client.post(f"/leads/{lead.pk}/transitions/distribute/", {"next": "/leads/board/"})
    assert response["Location"] == "/leads/board/"
    lead.refresh_from_db()
    assert (lead.state, lead.owner) == ("distributed", org.other_team_rep)


def test_assigning_by_hand_and_taking_from_the_pool(org, api):
    pool = LeadFactory(owner=None, org_unit=org.gd_carrier)
    url = f"/api/v1/leads/{pool.pk}/assign/"
    assert api(org.rep).post(url, {"owner": org.teammate.pk}).status_code == 400
    taken = api(org.rep).post(url, {"owner": org.rep.pk})
    assert taken.status_code == 200 and taken.json()["owner"] == org.rep.pk
    assert api(org.teammate).post(url, {"owner": org.teammate.pk}).status_code == 403
    released = api(org.rep).post(url, {"owner": None}, format="json")
    assert released.json()["owner"] is None
    given = api(org.manager).post(url, {"owner": org.teammate.pk})
    assert given.json()["owner"] == org.teammate.pk
    assert Notification.objects.filter(recipient=org.teammate, kind="lead.assigned").exists()


def test_rules_are_managed_by_managers_within_their_subtree(org, api):
    payload = {
        "name": "Healthcare to the government team",
        "industry": "healthcare",
        "team": org.gd_gov.pk,
        "assignees": [org.other_team_rep.pk],
    }
    assert api(org.rep).post("/api/v1/distribution-rules/", payload).status_code == 403
    assert api(org.manager).post("/api/v1/distribution-rules/", payload).status_code == 400
    created = api(org.director).post("/api/v1/distribution-rules/", payload)
    assert created.status_code == 201, created.json()
    assert created.json()["org_unit"] == org.gd.pk
    rule_id = created.json()["id"]
    assert (
        api(org.other_region_manager).get(f"/api/v1/distribution-rules/{rule_id}/").status_code
        == 404
    )
    assert api(org.rep).get("/api/v1/distribution-rules/").json()["results"] == []
    changed = api(org.director).patch(
        f"/api/v1/distribution-rules/{rule_id}/", {"priority": 5, "assignees": []}, format="json"
    )
    assert changed.status_code == 200 and changed.json()["assignees"] == []
    outside = api(org.director).patch(
        f"/api/v1/distribution-rules/{rule_id}/", {"team": org.js_carrier.pk}, format="json"
    )
    assert outside.status_code == 400

"""The lead state machine through the API: every guard names what is missing."""

import pytest

from core.models import AuditEvent
from leads.models import Lead
from tests.factories import LeadFactory

pytestmark = pytest.mark.django_db


ALL_BANT = {
    "budget_confirmed": True,
    "authority_identified": True,
    "need_confirmed": True,
    "timeline_confirmed": True,
}


def run(client, lead, name, **data):
    return client.post(f"/api/v1/leads/{lead.pk}/transitions/{name}/", data, format="json")


def at(state: str, **fields) -> Lead:
    lead = LeadFactory(**fields)
    Lead.objects.filter(pk=lead.pk).update(state=state)
    lead.refresh_from_db()
    return lead


def test_the_happy_path_new_to_nurturing(org, api):
    lead = LeadFactory(owner=org.rep, **ALL_BANT)
    assert run(api(org.rep), lead, "start_verification").json()["state"] == "verifying"
    assert run(api(org.rep), lead, "verify").json()["state"] == "verified"
    assert run(api(org.manager), lead, "distribute").json()["state"] == "distributed"
    assert run(api(org.rep), lead, "start_nurturing").json()["state"] == "nurturing"
    transitions = AuditEvent.objects.filter(target_id=lead.pk, action="transition")
    assert transitions.count() == 4


@pytest.mark.parametrize(
    "missing",
    [
        set(ALL_BANT),
        {"budget_confirmed"},
        {"need_confirmed"},
        {"authority_identified"},
        {"timeline_confirmed"},
        {"authority_identified", "timeline_confirmed"},
    ],
)
def test_verified_requires_all_four_bant_elements_by_default(org, api, missing):
    """The method's BANT: budget, authority, need and timeline, each named when missing."""
    lead = at("verifying", owner=org.rep, **{k: k not in missing for k in ALL_BANT})
    response = run(api(org.rep), lead, "verify")
    assert response.status_code == 409
    assert set(response.json()["fields"]) == missing
    assert Lead.objects.get(pk=lead.pk).state == "verifying"


def test_distributed_requires_an_owner(org, api):
    lead = at("verified", owner=None, org_unit=org.gd_carrier)
    response = run(api(org.manager), lead, "distribute")
    assert response.status_code == 409
    assert response.json()["fields"] == {"owner": ["The lead needs an owner."]}


def test_only_a_manager_distributes(org, api):
    lead = at("verified", owner=org.rep)
    assert run(api(org.rep), lead, "distribute").status_code == 403


def test_converted_requires_a_verified_owned_lead(org, api):
    unverified = at("verifying", owner=org.rep)
    response = api(org.rep).post(
        "/api/v1/opportunities/from-lead/", {"lead": unverified.pk}, format="json"
    )
    assert response.status_code == 409
    unowned = at("verified", owner=None, org_unit=org.gd_carrier)
    Lead.objects.filter(pk=unowned.pk).update(need_confirmed=True, budget_confirmed=True)
    response = api(org.rep).post(
        "/api/v1/opportunities/from-lead/", {"lead": unowned.pk}, format="json"
    )
    assert response.status_code == 409 and "owner" in response.json()["fields"]


def test_conversion_is_not_a_plain_transition(org, api):
    lead = at("verified", owner=org.rep, need_confirmed=True, budget_confirmed=True)
    assert run(api(org.rep), lead, "convert").status_code == 409


@pytest.mark.parametrize("state", ["new", "verifying", "verified", "distributed", "nurturing"])
def test_disqualify_from_any_open_state_needs_a_reason(org, api, state):
    lead = at(state, owner=org.rep)
    refused = run(api(org.rep), lead, "disqualify")
    assert refused.status_code == 400 and "reason" in refused.json()["fields"]
    done = run(api(org.rep), lead, "disqualify", reason="No budget this year")
    assert done.status_code == 200
    assert done.json()["state"] == "disqualified"
    assert done.json()["disqualify_reason"] == "No budget this year"


@pytest.mark.parametrize("state", ["converted", "disqualified"])
def test_closed_leads_cannot_be_disqualified(org, api, state):
    lead = at(state, owner=org.rep)
    assert run(api(org.rep), lead, "disqualify", reason="x").status_code == 409


def test_a_disqualified_lead_can_be_recycled(org, api):
    lead = at("disqualified", owner=org.rep, disqualify_reason="No budget")
    response = run(api(org.rep), lead, "recycle")
    assert response.json()["state"] == "new" and response.json()["disqualify_reason"] == ""
    assert run(api(org.rep), at("new", owner=org.rep), "recycle").status_code == 409


def test_an_unknown_transition_is_404(org, api):
    lead = LeadFactory(owner=org.rep)
    assert run(api(org.rep), lead, "teleport").status_code == 404

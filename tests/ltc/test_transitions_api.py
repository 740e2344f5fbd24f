"""The transitions endpoint: every refusal is a clear 4xx in the one error shape, never a 500,
and nothing is half-written."""

import pytest

from core.models import AuditEvent
from leads.models import Lead
from tests.factories import LeadFactory

pytestmark = pytest.mark.django_db

SHAPE = {"code", "message", "fields"}


def post(client, lead, name, **data):
    return client.post(f"/api/v1/leads/{lead.pk}/transitions/{name}/", data, format="json")


def test_a_transition_runs_and_is_audited_with_who_from_to_and_why(org, api):
    lead = LeadFactory(owner=org.rep)
    response = post(api(org.rep), lead, "start_verification", comment="Called the CIO")
    assert response.status_code == 200
    assert response.json()["state"] == "verifying"
    event = AuditEvent.objects.get(transition="start_verification")
    assert (event.actor, event.from_state, event.to_state, event.comment) == (
        org.rep,
        "new",
        "verifying",
        "Called the CIO",
    )
    assert event.via == "api"


def test_a_transition_stamps_when_the_record_entered_its_state(org, api):
    lead = LeadFactory(owner=org.rep)
    before = Lead.objects.get(pk=lead.pk).state_changed_at
    post(api(org.rep), lead, "start_verification")
    assert Lead.objects.get(pk=lead.pk).state_changed_at > before


def test_unknown_transition_is_404(org, api):
    response = post(api(org.rep), LeadFactory(owner=org.rep), "teleport")
    assert response.status_code == 404
    assert set(response.json()) == SHAPE


def test_transition_not_allowed_from_this_state_is_409(org, api):
    lead = LeadFactory(owner=org.rep)
    response = post(api(org.rep), lead, "start_nurturing")
    assert response.status_code == 409
    assert response.json()["code"] == "transition_not_allowed"
    assert Lead.objects.get(pk=lead.pk).state == "new"


def test_a_guard_names_what_is_missing(org, api):
    lead = LeadFactory(owner=org.rep)
    post(api(org.rep), lead, "start_verification")
    response = post(api(org.rep), lead, "verify")
    assert response.status_code == 409
    body = response.json()
    assert body["fields"] == {
        "budget_confirmed": ["The budget must be confirmed."],
        "authority_identified": ["The decision maker must be identified."],
        "need_confirmed": ["The customer's need must be confirmed."],
        "timeline_confirmed": ["The timeline must be confirmed."],
    }


def test_internal_transitions_only_run_through_their_service(org, api):
    lead = LeadFactory(
        owner=org.rep,
        need_confirmed=True,
        budget_confirmed=True,
        authority_identified=True,
        timeline_confirmed=True,
    )
    for name in ("start_verification", "verify"):
        post(api(org.rep), lead, name)
    response = post(api(org.rep), lead, "convert")
    assert response.status_code == 409
    assert response.json()["code"] == "transition_internal"


def test_a_reason_is_required_where_the_transition_says_so(org, api):
    lead = LeadFactory(owner=org.rep)
    response = post(api(org.rep), lead, "disqualify")
    assert response.status_code == 400
    assert "reason" in response.json()["fields"]
    assert Lead.objects.get(pk=lead.pk).state == "new"
    ok = post(api(org.rep), lead, "disqualify", reason="No budget until 2028")
    assert ok.status_code == 200
    assert ok.json()["disqualify_reason"] == "No budget until 2028"


def test_a_role_without_the_transition_permission_gets_403(org, api):
    lead = LeadFactory(
        owner=org.rep,
        need_confirmed=True,
        budget_confirmed=True,
        authority_identified=True,
        timeline_confirmed=True,
    )
    for name in ("start_verification", "verify"):
        post(api(org.rep), lead, name)
    response = post(api(org.rep), lead, "distribute")
    assert response.status_code == 403
    assert post(api(org.manager), lead, "distribute").status_code == 200


def test_a_stale_version_is_refused_with_409(org, api):
    lead = LeadFactory(owner=org.rep)
    client = api(org.rep)
    version = client.get(f"/api/v1/leads/{lead.pk}/").json()["version"]
    client.patch(f"/api/v1/leads/{lead.pk}/", {"title": "Renamed"}, format="json")
    stale = client.post(
        f"/api/v1/leads/{lead.pk}/transitions/start_verification/",
        {"version": version},
        format="json",
    )
    assert stale.status_code == 409
    assert stale.json()["code"] == "stale_version"


def test_if_match_protects_edits_against_lost_updates(org, api):
    lead = LeadFactory(owner=org.rep)
    client = api(org.rep)
    etag = client.get(f"/api/v1/leads/{lead.pk}/")["ETag"]
    first = client.patch(
        f"/api/v1/leads/{lead.pk}/", {"title": "A"}, format="json", HTTP_IF_MATCH=etag
    )
    assert first.status_code == 200
    second = client.patch(
        f"/api/v1/leads/{lead.pk}/", {"title": "B"}, format="json", HTTP_IF_MATCH=etag
    )
    assert second.status_code == 409
    assert Lead.objects.get(pk=lead.pk).title == "A"


def test_available_transitions_list_what_this_user_may_do_now(org, api):
    lead = LeadFactory(owner=org.rep)
    names = {
        t["name"]
        for t in api(org.rep).get(f"/api/v1/leads/{lead.pk}/").json()["available_transitions"]
    }
    assert names == {"start_verification", "disqualify"}
    # A teammate sees the lead but may not change it: no transitions offered.
    teammate = api(org.teammate).get(f"/api/v1/leads/{lead.pk}/").json()
    assert teammate["available_transitions"] == []


def test_malformed_json_is_400_not_500(org, api):
    lead = LeadFactory(owner=org.rep)
    response = api(org.rep).generic(
        "POST",
        f"/api/v1/leads/{lead.pk}/transitions/disqualify/",
        "{not json",
        content_type="application/json",
    )
    assert response.status_code == 400
    assert set(response.json()) == SHAPE


def test_anonymous_requests_are_401(api):
    response = api().get("/api/v1/leads/")
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"

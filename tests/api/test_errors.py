"""Predictable errors for integrations: one shape (code, message, fields), 400 for bad input,
404 for what the caller may not see, 409 for a transition not allowed now, and If-Match /
ETag against lost updates."""

import pytest

from tests.factories import LeadFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def client(org, issue_key, key_client):
    return key_client(issue_key(user=org.rep, scopes=["leads:write"]).token)


def test_a_lost_update_is_refused_with_409(org, client):
    lead = LeadFactory(owner=org.rep)
    read = client.get(f"/api/v1/leads/{lead.pk}/")
    etag = read["ETag"]
    assert etag == f'"{read.json()["version"]}"'

    first = client.patch(f"/api/v1/leads/{lead.pk}/", {"title": "Mine"}, HTTP_IF_MATCH=etag)
    assert first.status_code == 200
    lost = client.patch(f"/api/v1/leads/{lead.pk}/", {"title": "Theirs"}, HTTP_IF_MATCH=etag)
    assert lost.status_code == 409
    assert lost.json()["code"] == "stale_version"
    assert client.get(f"/api/v1/leads/{lead.pk}/").json()["title"] == "Mine"


def test_bad_input_is_a_400_with_field_messages(org, client):
    response = client.post("/api/v1/leads/", {"title": "", "estimated_amount": "lots"})
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid" and body["message"]
    assert {"title", "estimated_amount"} <= set(body["fields"])


def test_what_the_key_may_not_see_is_a_404(org, client):
    hidden = LeadFactory(owner=org.other_region_rep)
    response = client.get(f"/api/v1/leads/{hidden.pk}/")
    assert response.status_code == 404
    assert set(response.json()) == {"code", "message", "fields"}


def test_a_transition_not_allowed_now_is_a_409(org, client):
    lead = LeadFactory(owner=org.rep)  # new: it is verified only once in verification
    response = client.post(f"/api/v1/leads/{lead.pk}/transitions/verify/", {})
    assert response.status_code == 409
    assert response.json()["code"].startswith("transition")

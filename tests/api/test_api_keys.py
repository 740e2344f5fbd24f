"""API keys for systems: created and revoked by administrators, stored hashed, scoped per area
and method, rate-limited per key, acting as a service user under the access policy."""

import pytest
from django.core.cache import cache

from integrations.models import ApiKey
from leads.models import Lead
from tests.factories import LeadFactory

pytestmark = pytest.mark.django_db

NEW_LEAD = {"title": "Core network refresh", "company_name": "Foshan Water Co., Ltd."}


def test_an_admin_creates_a_key_and_sees_its_token_once(org, api, key_client):
    admin = api(org.admin)
    response = admin.post(
        "/api/v1/api-keys/",
        {"name": "ERP", "user": org.rep.pk, "scopes": ["leads:read"], "rate_limit": "100/minute"},
    )
    assert response.status_code == 201, response.json()
    token = response.json()["token"]
    key = ApiKey.objects.get(pk=response.json()["id"])
    assert token.split("_")[-1] not in key.secret_hash  # only a hash is stored
    assert token not in str(ApiKey.objects.filter(pk=key.pk).values().first())

    listed = admin.get(f"/api/v1/api-keys/{key.pk}/").json()
    assert "token" not in listed and listed["scopes"] == ["leads:read"]
    assert key_client(token).get("/api/v1/leads/").status_code == 200


def test_only_admins_manage_keys_and_keys_never_do(org, api, issue_key, key_client):
    payload = {"name": "BI", "user": org.rep.pk, "scopes": ["leads:read"]}
    assert api(org.manager).post("/api/v1/api-keys/", payload).status_code == 403
    admins_key = issue_key(user=org.admin, scopes=["leads:write"])
    assert key_client(admins_key.token).post("/api/v1/api-keys/", payload).status_code == 403


def test_bad_scopes_and_rates_are_field_errors(org, api):
    response = api(org.admin).post(
        "/api/v1/api-keys/",
        {"name": "BI", "user": org.rep.pk, "scopes": ["leads:delete"], "rate_limit": "fast"},
    )
    assert response.status_code == 400
    assert set(response.json()["fields"]) == {"scopes.0", "rate_limit"}


def test_a_read_scope_cannot_write(org, issue_key, key_client):
    client = key_client(issue_key(scopes=["leads:read"]).token)
    assert client.get("/api/v1/leads/").status_code == 200
    response = client.post("/api/v1/leads/", NEW_LEAD)
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
    assert not Lead.objects.exists()


def test_a_scope_covers_its_area_only(org, issue_key, key_client):
    client = key_client(issue_key(scopes=["leads:write"]).token)
    assert client.post("/api/v1/leads/", NEW_LEAD).status_code == 201  # write implies read
    assert client.get("/api/v1/leads/").status_code == 200
    assert client.get("/api/v1/customers/").status_code == 403
    assert client.get("/api/v1/contracts/").status_code == 403


def test_the_key_sees_what_its_service_user_may_see(org, issue_key, key_client):
    mine = LeadFactory(owner=org.rep)
    other_region = LeadFactory(owner=org.other_region_rep)
    client = key_client(issue_key(user=org.rep, scopes=["leads:write"]).token)
    ids = {lead["id"] for lead in client.get("/api/v1/leads/").json()["results"]}
    assert mine.pk in ids and other_region.pk not in ids
    assert client.get(f"/api/v1/leads/{other_region.pk}/").status_code == 404
    created = client.post("/api/v1/leads/", NEW_LEAD).json()
    timeline = client.get(f"/api/v1/leads/{created['id']}/timeline/").json()
    assert timeline[-1]["actor"] == org.rep.username  # audited as the service user


def test_a_revoked_key_is_refused(org, api, issue_key, key_client):
    issued = issue_key()
    client = key_client(issued.token)
    assert client.get("/api/v1/leads/").status_code == 200
    response = api(org.admin).post(f"/api/v1/api-keys/{issued.key.pk}/revoke/")
    assert response.status_code == 200 and response.json()["is_active"] is False
    refused = client.get("/api/v1/leads/")
    assert refused.status_code == 401
    assert refused.json()["code"] == "not_authenticated"
    assert api(org.admin).post(f"/api/v1/api-keys/{issued.key.pk}/revoke/").status_code == 409


@pytest.mark.parametrize(
    "token",
    ["ltc_000000000000_nope", "garbage", "ltc_{prefix}_wrong-secret"],
    ids=["unknown prefix", "malformed", "wrong secret"],
)
def test_an_unknown_key_is_refused(org, issue_key, key_client, token):
    issued = issue_key()
    response = key_client(token.format(prefix=issued.key.prefix)).get("/api/v1/leads/")
    assert response.status_code == 401
    assert response["WWW-Authenticate"]


def test_each_key_has_its_own_rate_limit(org, issue_key, key_client):
    cache.clear()
    slow = key_client(issue_key(scopes=["leads:read"], rate_limit="2/minute").token)
    other = key_client(issue_key(scopes=["leads:read"], rate_limit="100/minute").token)
    assert [slow.get("/api/v1/leads/").status_code for _ in range(3)] == [200, 200, 429]
    assert slow.get("/api/v1/leads/").json()["code"] == "throttled"
    assert other.get("/api/v1/leads/").status_code == 200  # not the same bucket


def test_the_audit_trail_names_the_key_that_acted(org, issue_key, key_client):
    from core.models import AuditEvent

    key = issue_key(scopes=["leads:write"])
    created = key_client(key.token).post("/api/v1/leads/", NEW_LEAD)
    assert created.status_code == 201, created.json()
    event = AuditEvent.objects.get(
        target_type__model="lead", target_id=created.json()["id"], action="created"
    )
    assert (event.actor, event.api_key) == (org.rep, key.key.prefix)

"""Idempotency-Key on POST: a retry returns the first result and creates nothing twice."""

import pytest
from django.utils import timezone

from integrations.idempotency import IDEMPOTENCY_TTL
from integrations.models import IdempotencyRecord
from integrations.tasks import purge_idempotency_records
from leads.api.views import LeadViewSet
from leads.models import Lead

pytestmark = pytest.mark.django_db

NEW_LEAD = {"title": "Core network refresh", "company_name": "Foshan Water Co., Ltd."}


@pytest.fixture
def client(issue_key, key_client):
    return key_client(issue_key(scopes=["leads:write"]).token)


def post(client, data=NEW_LEAD, key="order-42", path="/api/v1/leads/"):
    return client.post(path, data, format="json", HTTP_IDEMPOTENCY_KEY=key)


def test_a_retry_returns_the_first_result_and_creates_nothing_twice(org, client):
    first = post(client)
    assert first.status_code == 201
    retry = post(client)
    assert retry.status_code == 201
    assert retry.json() == first.json()
    assert retry["Idempotent-Replayed"] == "true"
    assert Lead.objects.count() == 1
    assert post(client, key="order-43").status_code == 201  # a new key is a new request
    assert Lead.objects.count() == 2


def test_the_same_key_with_another_body_is_refused(org, client):
    assert post(client).status_code == 201
    response = post(client, data={**NEW_LEAD, "title": "Something else"})
    assert response.status_code == 422
    assert response.json()["code"] == "idempotency_key_reused"
    assert Lead.objects.count() == 1


def test_a_duplicate_sent_while_the_first_runs_is_a_conflict(org, client, monkeypatch):
    create = LeadViewSet.create
    seen = {}

    def create_while_retried(self, request, *args, **kwargs):
        if "duplicate" not in seen:  # the client retries before the first answer arrives
            seen["duplicate"] = post(client)
        return create(self, request, *args, **kwargs)

    monkeypatch.setattr(LeadViewSet, "create", create_while_retried)
    assert post(client).status_code == 201
    assert seen["duplicate"].status_code == 409
    assert seen["duplicate"].json()["code"] == "idempotency_in_flight"
    assert Lead.objects.count() == 1


def test_bad_input_is_replayed_but_a_server_error_is_not_stored(org, client, monkeypatch):
    bad = post(client, data={"title": ""}, key="bad")
    assert bad.status_code == 400
    assert post(client, data={"title": ""}, key="bad").json() == bad.json()

    def broken(self, request, *args, **kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(LeadViewSet, "create", broken)
    client.raise_request_exception = False
    assert post(client, key="flaky").status_code == 500
    monkeypatch.undo()
    assert post(client, key="flaky").status_code == 201  # the retry really ran
    assert Lead.objects.count() == 1


def test_keys_belong_to_their_sender(org, issue_key, key_client, client, browser_client):
    other = key_client(issue_key(user=org.teammate, scopes=["leads:write"]).token)
    assert post(client).status_code == 201
    assert post(other).status_code == 201
    person = browser_client(org.rep)
    response = person.post(
        "/api/v1/leads/", NEW_LEAD, content_type="application/json", HTTP_IDEMPOTENCY_KEY="k1"
    )
    assert response.status_code == 201
    assert Lead.objects.count() == 3


def test_old_keys_are_forgotten(org, client):
    assert post(client).status_code == 201
    IdempotencyRecord.objects.update(created_at=timezone.now() - IDEMPOTENCY_TTL * 2)
    assert purge_idempotency_records.delay().get() == 1
    assert post(client).status_code == 201
    assert Lead.objects.count() == 2


def test_the_schema_documents_the_header(org, api):
    schema = api(org.admin).get("/api/v1/schema/?format=json").json()
    parameters = schema["paths"]["/api/v1/leads/"]["post"]["parameters"]
    assert "Idempotency-Key" in {p["name"] for p in parameters}

"""MO's API contract: every resource and action in the OpenAPI schema; the catalogue and the
configuration read by all and written by administrators; the iron triangle edited by the AR
and managers with its history."""

from decimal import Decimal

import pytest
from drf_spectacular.validation import validate_schema

from core.models import AuditEvent
from opportunities.models import Product
from tests.openapi import generated_schema

pytestmark = pytest.mark.django_db


def test_the_schema_covers_mo():
    schema = generated_schema()
    validate_schema(schema)
    paths = schema["paths"]
    for path in (
        "/api/v1/opportunities/{id}/move/",
        "/api/v1/opportunities/{id}/close-reason/",
        "/api/v1/opportunities/{id}/transitions/{name}/",
        "/api/v1/opportunities/forecast/",
        "/api/v1/opportunities/win-loss/",
        "/api/v1/opportunities/board/",
        "/api/v1/decision-chain/",
        "/api/v1/opportunity-competitors/",
        "/api/v1/competitors/",
        "/api/v1/products/",
        "/api/v1/pricing-rules/",
        "/api/v1/stage-probabilities/",
        "/api/v1/quotes/",
        "/api/v1/quotes/{id}/submit/",
        "/api/v1/quotes/{id}/decision/",
        "/api/v1/quotes/{id}/new-version/",
        "/api/v1/bids/",
        "/api/v1/bids/{id}/submit/",
        "/api/v1/bid-sections/{id}/",
        "/api/v1/bid-checklist-items/{id}/check/",
    ):
        assert path in paths, path
    transition = paths["/api/v1/opportunities/{id}/transitions/{name}/"]["post"]
    body = transition["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    request = schema["components"]["schemas"][body.rsplit("/", 1)[1]]
    assert {"reason_code", "lost_to"} <= set(request["properties"])
    assert "pending_approval" in schema["components"]["schemas"]["QuoteStateEnum"]["enum"]


def test_the_catalogue_is_read_by_everyone_and_written_by_administrators(org, api):
    payload = {
        "code": "RT-1",
        "name": "Router",
        "list_price": "1000.00",
        "cost": "600.00",
        "currency": "CNY",
    }
    assert api(org.manager).post("/api/v1/products/", payload, format="json").status_code == 403
    created = api(org.admin).post("/api/v1/products/", payload, format="json")
    assert created.status_code == 201 and created.json()["tax_rate_pct"] == "13.00"
    assert api(org.rep).get("/api/v1/products/?q=RT-1").json()["results"][0]["code"] == "RT-1"
    negative = api(org.admin).post(
        "/api/v1/products/", {**payload, "code": "X", "list_price": "-1"}, format="json"
    )
    assert negative.status_code == 400 and "list_price" in negative.json()["fields"]
    assert Product.objects.count() == 1
    rule = {"org_unit": org.gd.pk, "role": "sales_rep", "max_discount_pct": "8"}
    assert api(org.director).post("/api/v1/pricing-rules/", rule, format="json").status_code == 403
    made = api(org.admin).post("/api/v1/pricing-rules/", rule, format="json")
    assert made.status_code == 201
    assert [r["id"] for r in api(org.rep).get("/api/v1/pricing-rules/").json()["results"]] == [
        made.json()["id"]
    ]
    assert api(org.other_region_rep).get("/api/v1/pricing-rules/").json()["results"] == []
    assert Decimal(made.json()["max_discount_pct"]) == Decimal("8")


def test_the_iron_triangle_is_edited_by_the_ar_and_managers_with_history(org, api, opportunity):
    from tests.factories import UserFactory

    new_fr = UserFactory(username="fr2", role="fulfillment_manager", org_unit=org.gd_carrier)
    url = f"/api/v1/opportunities/{opportunity.pk}/team/"
    assert api(org.sr).put(url, {"fr": new_fr.pk}, format="json").status_code == 403
    assert api(org.teammate).put(url, {"fr": new_fr.pk}, format="json").status_code == 403
    by_ar = api(org.rep).put(url, {"fr": new_fr.pk}, format="json")
    assert by_ar.status_code == 200
    assert {m["role"]: m["user"] for m in by_ar.json()["team"]}["fr"] == new_fr.pk
    by_manager = api(org.manager).put(url, {"fr": org.fr.pk}, format="json")
    assert by_manager.status_code == 200
    history = AuditEvent.objects.filter(target_id=opportunity.pk, action="team.changed")
    assert [e.actor for e in history.order_by("at", "id")] == [org.rep, org.manager]
    timeline = api(org.rep).get(f"/api/v1/opportunities/{opportunity.pk}/timeline/").json()
    assert [e["action"] for e in timeline[:2]] == ["team.changed", "team.changed"]


def test_opportunity_lists_pin_their_query_count(org, api, django_assert_max_num_queries):
    from tests.factories import OpportunityFactory

    for _ in range(8):
        OpportunityFactory(owner=org.rep)
    client = api(org.rep)
    with django_assert_max_num_queries(8):
        response = client.get("/api/v1/opportunities/")
    assert len(response.json()["results"]) == 8

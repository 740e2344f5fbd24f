"""Hostile input, table by table: whatever a client sends, the answer is a 4xx in the one
error shape `{code, message, fields}`, never a 500.

The tables of routes are enumerated from the URL conf, so a new list or a new detail action
is covered the day it is added: a tampered cursor on every cursor list, a non-numeric id on
every route that takes one. Then the classes found against a production server: unchecked
query parameters, dates at year 1, date-time offsets that leave the calendar, NUL bytes,
deep JSON, oversized and undecodable bodies, unknown URLs.
"""

from __future__ import annotations

import base64
import json
import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from rest_framework.pagination import CursorPagination
from rest_framework.test import APIClient

from accounts.models import Customer
from core.web import ListPage
from receivables.models import Receipt
from tests.factories import CustomerFactory
from tests.receivables.conftest import TODAY, pct_plan

pytestmark = pytest.mark.django_db

ERROR_KEYS = {"code", "message", "fields"}


def assert_error_shape(response, status: int | tuple[int, ...]) -> dict:
    statuses = status if isinstance(status, tuple) else (status,)
    assert response.status_code in statuses, (response.status_code, response.content[:300])
    assert response["Content-Type"].startswith("application/json"), response["Content-Type"]
    body = response.json()
    assert set(body) == ERROR_KEYS, body
    assert isinstance(body["message"], str) and body["message"]
    assert isinstance(body["fields"], dict)
    return body


def client_for(user) -> APIClient:
    client = APIClient(raise_request_exception=False)
    client.force_authenticate(user)
    return client


# --- The routes, from the URL conf -------------------------------------------------------------


def _patterns(patterns, prefix=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _patterns(pattern.url_patterns, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            yield prefix + str(pattern.pattern), pattern


def _path(route: str, **values: str) -> str:
    """The URL of a route, each named group filled in (`values`, else a lowercase word)."""

    def fill(match):
        return values.get(match.group(1), "x")

    return "/" + re.sub(r"\(\?P<(\w+)>[^)]*\)", fill, route).replace("^", "").replace("$", "")


API_ROUTES = [(route, p) for route, p in _patterns(get_resolver().url_patterns) if "api/" in route]

CURSOR_LISTS = sorted(
    _path(route)
    for route, p in API_ROUTES
    if (getattr(p.callback, "actions", None) or {}).get("get") == "list"
    and issubclass(getattr(p.callback.cls, "pagination_class", None) or object, CursorPagination)
)

ID_ROUTES = sorted(
    (_path(route, pk="{id}"), method)
    for route, p in API_ROUTES
    if "(?P<pk>" in route
    for method in (getattr(p.callback, "actions", None) or {"get": None})
)

PAGE_LISTS = sorted(
    _path(route)
    for route, p in _patterns(get_resolver().url_patterns)
    if issubclass(getattr(p.callback, "view_class", object), ListPage) and "(?P<" not in route
)


def test_the_tables_cover_what_the_issue_names():
    assert len(CURSOR_LISTS) >= 45, CURSOR_LISTS
    assert len(ID_ROUTES) >= 150, len(ID_ROUTES)
    assert ("/api/v1/gate-reviews/{id}/decision/", "post") in ID_ROUTES
    assert ("/api/v1/saved-views/{id}/", "delete") in ID_ROUTES
    assert len(PAGE_LISTS) >= 5, PAGE_LISTS


TAMPERED_CURSORS = {
    "position_not_a_number": base64.b64encode(b"p=abc").decode(),
    "position_with_nul": base64.b64encode(b"p=\x00").decode(),
    "negative_offset": base64.b64encode(b"o=-1&p=1").decode(),
    "not_base64": "%%%not-base64",
    "not_ascii": base64.b64encode("p=１".encode()).decode(),
}


@pytest.mark.parametrize("url", CURSOR_LISTS)
def test_a_tampered_cursor_on_every_cursor_list_is_a_400(org, url):
    client = client_for(org.admin)
    for name, cursor in TAMPERED_CURSORS.items():
        response = client.get(url, {"cursor": cursor, "page": "leads:list"})
        body = assert_error_shape(response, 400)
        assert body["code"] == "invalid_cursor", (name, body)
        assert "cursor" in body["fields"], (name, body)


@pytest.mark.parametrize("url", PAGE_LISTS)
def test_a_tampered_cursor_on_every_list_page_is_a_400_page(org, client, url):
    client.force_login(org.admin)
    response = client.get(url, {"cursor": TAMPERED_CURSORS["position_not_a_number"]})
    assert response.status_code == 400, (url, response.status_code)
    assert b"cursor" in response.content


def test_a_cursor_the_list_gave_out_still_works(org):
    for n in range(3):
        CustomerFactory(owner=org.rep, name=f"Customer {n}")
    client = client_for(org.admin)
    first = client.get("/api/v1/customers/", {"page_size": 2}).json()
    second = client.get(first["next"])
    assert second.status_code == 200 and len(second.json()["results"]) == 1


NOT_AN_ID = ["abc", "true", "null", "１", "1e3", "-1", "1.0", "%F0%9F%92%A9"]


@pytest.mark.parametrize("route, method", ID_ROUTES)
def test_a_non_numeric_id_on_every_route_is_a_404_before_any_view(org, route, method):
    client = client_for(org.admin)
    for value in NOT_AN_ID:
        response = client.generic(method.upper(), route.format(id=value), "{}", "application/json")
        assert_error_shape(response, 404)


@pytest.mark.parametrize("route, method", ID_ROUTES)
def test_an_id_too_big_for_the_database_is_not_found(org, route, method):
    response = client_for(org.admin).generic(
        method.upper(), route.format(id="9" * 30), "{}", "application/json"
    )
    assert_error_shape(response, (400, 404, 405))


@pytest.mark.parametrize(
    "url",
    [
        "/gates/abc/",
        "/leads/abc/",
        "/customers/true/",
        "/contracts/１/",
        "/collections/write-offs/１/approve/",
        "/collections/receipts/null/",
        "/opportunities/1e3/",
    ],
)
def test_a_non_numeric_id_on_a_page_is_a_404(org, client, url):
    client.force_login(org.admin)
    assert client.get(url).status_code == 404


# --- Query parameters ---------------------------------------------------------------------------

BAD_PARAMS = [
    ("/api/v1/account-profiles/matrix/", {"unit": "abc"}, "unit"),
    ("/api/v1/account-profiles/matrix/", {"unit": "²"}, "unit"),
    ("/api/v1/account-profiles/matrix/", {"tier": "platinum"}, "tier"),
    ("/api/v1/dashboards/revenue/", {"customer": "abc"}, "customer"),
    ("/api/v1/dashboards/revenue/", {"granularity": "week"}, "granularity"),
    ("/api/v1/dashboards/funnel/", {"org_unit": "abc"}, "org_unit"),
    ("/api/v1/dashboards/funnel/", {"year": "²"}, "year"),
    ("/api/v1/dashboards/funnel/", {"date_from": "0001-01-01"}, "date_from"),
    ("/api/v1/dashboards/pipeline/", {"person": "abc"}, "person"),
    ("/api/v1/dashboards/collections/", {"currency": "XXX"}, "currency"),
    ("/api/v1/opportunities/forecast/", {"owner": "abc"}, "owner"),
    ("/api/v1/opportunities/forecast/", {"org_unit": "9" * 30}, "org_unit"),
    ("/api/v1/opportunities/forecast/", {"from": "0001-01-01", "to": "2026-01-01"}, "from"),
    ("/api/v1/opportunities/forecast/", {"period": "0000-01"}, "period"),
    ("/api/v1/opportunities/forecast/", {"period": "9999-12"}, "period"),
    ("/api/v1/opportunities/board/", {"owner": "true"}, "owner"),
    ("/api/v1/leads/board/", {"per_column": "abc"}, "per_column"),
    ("/api/v1/sales-targets/coverage/", {"unit": "abc"}, "unit"),
    ("/api/v1/sales-targets/coverage/", {"short": "maybe"}, "short"),
    ("/api/v1/receivables/ageing/", {"as_of": "0001-01-01"}, "as_of"),
    ("/api/v1/receivables/ageing/", {"as_of": "9999-12-31"}, "as_of"),
    ("/api/v1/receivables/ageing/", {"group": "planet"}, "group"),
    ("/api/v1/receivables/kpis/", {"as_of": "0001-01-01"}, "as_of"),
    ("/api/v1/receivables/forecast/", {"as_of": "0001-01-01"}, "as_of"),
    ("/api/v1/activities/", {"subject_type": "lead", "subject_id": "abc"}, "subject_id"),
    ("/api/v1/saved-views/", {"page": ""}, "page"),
    ("/api/v1/leads/", {"q": "a\x00b"}, "q"),
    ("/api/v1/customers/", {"search": "\x00"}, "search"),
    ("/api/v1/customers/duplicates/", {"name": "x\x00"}, "name"),
]


@pytest.mark.parametrize("url, params, field", BAD_PARAMS)
def test_a_bad_query_parameter_is_a_400_naming_it(org, url, params, field):
    response = client_for(org.admin).get(url, params)
    body = assert_error_shape(response, 400)
    assert field in body["fields"], body


BAD_DATE_FILTERS = [
    ("/api/v1/payment-milestones/", {"due_after": "0001-01-01"}, "due_after"),
    ("/api/v1/receipts/", {"received_before": "0001-01-01"}, "received_before"),
    ("/api/v1/contracts/", {"signed_after": "9999-12-31"}, "signed_after"),
    ("/api/v1/opportunities/", {"expected_close_after": "0001-01-01"}, "expected_close_after"),
    ("/api/v1/bids/", {"deadline_after": "0001-01-01T00:00:00+05:00"}, "deadline_after"),
    ("/api/v1/bids/", {"deadline_before": "9999-12-31T23:59:59-05:00"}, "deadline_before"),
    ("/api/v1/bids/", {"deadline_before": "2026-01-01T00:00:00+23:59"}, None),
    ("/api/v1/bids/", {"deadline_before": "2026-01-01T00:00:00+25:00"}, "deadline_before"),
]


@pytest.mark.parametrize("url, params, field", BAD_DATE_FILTERS)
def test_dates_off_the_business_calendar_in_filters_are_400s(org, url, params, field):
    """Year 1, year 9999 and offsets that carry a date-time off the calendar; a valid but
    unusual offset (+23:59) is taken, in UTC (PostgreSQL refuses offsets past 15:59)."""
    response = client_for(org.admin).get(url, params)
    if field is None:
        assert response.status_code == 200, response.content[:300]
        return
    body = assert_error_shape(response, 400)
    assert field in body["fields"], body


@pytest.mark.parametrize(
    "url, params",
    [
        ("/key-accounts/targets/", {"year": "²"}),
        ("/key-accounts/", {"unit": "abc"}),
        ("/collections/receipts/new/allocations/", {"contract": "²"}),
        ("/collections/reports/", {"group": "planet"}),
        ("/search/", {"q": "x\x00"}),
        ("/notifications/", {"unread": "perhaps"}),
    ],
)
def test_a_bad_query_parameter_on_a_page_is_a_400_naming_it(org, client, url, params):
    client.force_login(org.admin)
    response = client.get(url, params)
    assert response.status_code == 400, (url, response.status_code)
    assert next(iter(params)).encode() in response.content


@pytest.mark.parametrize(
    "params",
    [
        {"page_size": "abc"},
        {"page_size": "-1"},
        {"page_size": "9" * 30},
        {"ordering": "no_such_field"},
        {"ordering": "-" * 500},
        {"search": "x" * 100_000},
        {"owner": "9" * 30},
    ],
)
def test_odd_but_harmless_list_parameters_are_ignored_or_refused_never_a_500(org, params):
    response = client_for(org.admin).get("/api/v1/leads/", params)
    if response.status_code != 200:
        assert_error_shape(response, 400)


def test_a_nul_in_a_page_form_field_is_a_400_naming_it(org, client):
    from tests.factories import LeadFactory

    lead = LeadFactory(owner=org.rep)
    client.force_login(org.rep)
    response = client.post(f"/leads/{lead.pk}/transitions/verify/", {"reason": "a\x00b"})
    assert response.status_code == 400
    assert b"reason" in response.content


# --- Bodies -------------------------------------------------------------------------------------


def test_a_receipt_dated_in_year_one_is_a_400_and_nothing_is_written(org, make_contract):
    contract = make_contract(
        amount="1000.00", plan=pct_plan(("down_payment", 100, "on_signing", 0))
    )
    body = {
        "contract": contract.pk,
        "amount": "100.00",
        "method": "bank_transfer",
        "received_on": "0001-01-01",
    }
    response = client_for(org.finance).post("/api/v1/receipts/", body, format="json")
    assert "received_on" in assert_error_shape(response, 400)["fields"]
    assert not Receipt.objects.exists()
    body["received_on"] = str(TODAY())
    assert client_for(org.finance).post("/api/v1/receipts/", body, format="json").status_code == 201


@pytest.mark.parametrize(
    "url, body, field",
    [
        (
            "/api/v1/customers/bulk-upsert/",
            {"items": [{"external_id": "E1", "name": "Bell\x00 Co."}]},
            "items.0.name",
        ),
        (
            "/api/v1/customers/bulk-upsert/",
            {"items": [{"external_id": "E\x00", "name": "Bell Co."}]},
            "items.0.external_id",
        ),
        ("/api/v1/customers/", {"name": "Bell Co.", "address": "\x00"}, "address"),
        ("/api/v1/customers/", {"name": "x\ud800"}, "name"),
        ("/api/v1/saved-views/", {"name": "v", "page": "leads:list", "query": "\x00"}, "query"),
        ("/api/v1/gate-reviews/", {"topics": {"a\x00": "b"}}, "topics"),
    ],
)
def test_nul_and_lone_surrogates_anywhere_in_a_json_body_are_a_400(org, url, body, field):
    raw = json.dumps(body).encode()
    response = client_for(org.admin).generic("POST", url, raw, content_type="application/json")
    assert field in assert_error_shape(response, 400)["fields"]
    assert not Customer.objects.exists()


def test_a_json_number_too_large_for_a_float_is_a_400(org):
    raw = '{"name": "Bell Co.", "potential": 1e400}'
    response = client_for(org.admin).generic(
        "POST", "/api/v1/customers/", raw, content_type="application/json"
    )
    assert "potential" in assert_error_shape(response, 400)["fields"]


@pytest.mark.parametrize("depth", [100, 50_000])
def test_deeply_nested_json_is_a_400(org, depth):
    raw = "[" * depth + "]" * depth
    response = client_for(org.admin).generic(
        "POST", "/api/v1/customers/bulk-upsert/", raw, content_type="application/json"
    )
    assert_error_shape(response, 400)


@pytest.mark.parametrize(
    "raw, content_type",
    [
        (b"\xff\xfe{\x00}", "application/json"),
        ('{"name": "Caf\xe9"}'.encode("latin-1"), "application/json"),
        (b'{"name": "x"}', "application/x-www-form-urlencoded; charset=klingon"),
        (b'{"name": "x"}', "text/plain"),
        (b"--boundary\r\n", "multipart/form-data; boundary=boundary"),
        (b'{"name": "x"}', "application/xml"),
    ],
)
def test_undecodable_bodies_and_wrong_content_types_are_4xx(org, raw, content_type):
    response = client_for(org.admin).generic("POST", "/api/v1/customers/", raw, content_type)
    assert_error_shape(response, (400, 415))
    assert not Customer.objects.exists()


def test_a_body_above_the_upload_limit_is_a_413_in_the_error_shape(org, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024 * 1024
    raw = json.dumps({"name": "x" * (6 * 1024 * 1024)})
    response = client_for(org.admin).generic(
        "POST", "/api/v1/customers/", raw, content_type="application/json"
    )
    assert assert_error_shape(response, 413)["code"] == "too_large"
    assert not Customer.objects.exists()


# --- Errors Django answers before DRF -----------------------------------------------------------


def test_an_unknown_api_url_is_a_404_in_the_error_shape(org):
    client = client_for(org.admin)
    assert_error_shape(client.get("/api/v1/no-such-things/"), 404)
    assert_error_shape(client.get("/api/v2/customers/"), 404)
    assert_error_shape(client.delete("/api/v1/customers/"), 405)


def test_a_bad_host_on_the_api_is_a_400_in_the_error_shape(org, settings):
    settings.ALLOWED_HOSTS = ["crm.example.com"]
    response = client_for(org.admin).get("/api/v1/customers/", HTTP_HOST="evil.example.com")
    assert_error_shape(response, 400)


def test_a_server_error_on_the_api_is_a_500_in_the_error_shape(org, monkeypatch):
    from accounts.api import views

    def broken(self, request, *args, **kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr(views.CustomerViewSet, "list", broken)
    response = client_for(org.admin).get("/api/v1/customers/")
    assert assert_error_shape(response, 500)["code"] == "server_error"
    assert "a bug" not in response.content.decode()


def test_a_csrf_failure_on_the_api_is_a_403_in_the_error_shape(org, settings):
    from django.test import Client

    from core.api.django_errors import csrf_failure

    request = Client().get("/api/v1/customers/").wsgi_request
    response = csrf_failure(request, reason="CSRF cookie not set.")
    assert response.status_code == 403
    assert set(json.loads(response.content)) == ERROR_KEYS


def test_pages_keep_djangos_own_error_pages(org, client):
    client.force_login(org.admin)
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert not response["Content-Type"].startswith("application/json")

"""Web-to-lead: the company website posts leads without a session, with a per-source key,
rate-limited per key and per address; bad input is a 400, a bad key a 401/403, never a 500."""

import pytest
from django.core.cache import cache

from core.models import AuditEvent
from leads.api.views import WebToLeadIPThrottle, WebToLeadKeyThrottle
from leads.models import Lead, LeadCaptureSource
from leads.services import capture_source_create, capture_source_revoke
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/web-to-lead/"
FORM = {
    "company": "Shenzhen Metro Group Co., Ltd.",
    "contact_name": "陈先生",
    "contact_phone": "+86 138 0013 8000",
    "need": "Station Wi-Fi for 40 stations",
    "product_interest": "Wi-Fi 7",
    "region": "广东",
}


@pytest.fixture(autouse=True)
def fresh_throttles():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def source(org):
    return capture_source_create(
        by=org.admin, name="www.example.cn contact form", org_unit=org.gd_carrier
    )


def post(client, key, data=None, **extra):
    headers = {"HTTP_X_LEAD_SOURCE_KEY": key} if key is not None else {}
    return client.post(URL, data if data is not None else FORM, format="json", **headers, **extra)


def test_a_website_lead_lands_in_the_sources_team_pool(api, source):
    created, key = source
    response = post(api(), key)
    assert response.status_code == 201, response.json()
    assert set(response.json()) == {"id", "status"}  # nothing else is disclosed
    lead = Lead.objects.get(pk=response.json()["id"])
    assert (lead.source, lead.source_detail) == ("web_form", "www.example.cn contact form")
    assert lead.org_unit == created.org_unit and lead.owner is None and lead.state == "new"
    assert lead.company_name == FORM["company"] and lead.contact_phone == "+8613800138000"
    assert lead.title == "Shenzhen Metro Group Co., Ltd. · Wi-Fi 7"
    assert lead.score > 0
    created.refresh_from_db()
    assert created.last_used_at is not None
    event = AuditEvent.objects.get(target_id=lead.pk, target_type__model="lead", action="created")
    assert event.actor is None and event.via == "api"


def test_a_website_lead_for_a_registered_account_goes_to_its_manager(org, api, source):
    CustomerFactory(name="深圳市地铁集团有限公司", owner=org.teammate)
    response = post(api(), source[1], {**FORM, "company": "深圳市地铁集团 有限公司"})
    lead = Lead.objects.get(pk=response.json()["id"])
    assert lead.owner == org.teammate


def test_a_session_is_not_needed_and_does_not_help(org, api, source):
    signed_in = api(org.admin)
    assert post(signed_in, None).status_code == 401


@pytest.mark.parametrize(
    "key", [None, "", "nonsense", "lcs_000000000000_abc", "lcs_x", "Bearer something"]
)
def test_an_unknown_or_missing_key_is_401(api, source, key):
    response = post(api(), key)
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"
    assert not Lead.objects.exists()


def test_a_key_with_a_right_prefix_but_wrong_secret_is_401(api, source):
    created, key = source
    assert post(api(), key[:-3] + "xyz").status_code == 401


def test_a_revoked_key_is_403(org, api, source):
    created, key = source
    revoked = api(org.admin).post(f"/api/v1/lead-sources/{created.pk}/revoke/")
    assert revoked.status_code == 200 and revoked.json()["is_active"] is False
    response = post(api(), key)
    assert response.status_code == 403 and response.json()["code"] == "source_revoked"


@pytest.mark.parametrize(
    ("data", "fields"),
    [
        ({}, {"company", "contact_name"}),
        ({**FORM, "contact_phone": "", "contact_email": ""}, {"contact_phone"}),
        ({**FORM, "contact_email": "not-mail"}, {"contact_email"}),
        ({**FORM, "company": "x" * 300}, {"company"}),
        ({**FORM, "industry": "piracy"}, {"industry"}),
        ({**FORM, "company": "   "}, {"company"}),
    ],
)
def test_bad_input_is_a_400_with_field_errors(api, source, data, fields):
    response = post(api(), source[1], data)
    assert response.status_code == 400
    assert set(response.json()["fields"]) == fields
    assert not Lead.objects.exists()


def test_garbage_bodies_are_400_not_500(api, source):
    key = source[1]
    client = api()
    broken = client.generic(
        "POST", URL, "{not json", content_type="application/json", HTTP_X_LEAD_SOURCE_KEY=key
    )
    assert broken.status_code == 400
    as_list = client.post(URL, [1, 2], format="json", HTTP_X_LEAD_SOURCE_KEY=key)
    assert as_list.status_code == 400


def test_a_plain_html_form_may_send_the_key_as_a_field(api, source):
    response = api().post(URL, {**FORM, "source_key": source[1]}, format="multipart")
    assert response.status_code == 201


def test_requests_are_limited_per_address(api, source, monkeypatch):
    monkeypatch.setattr(WebToLeadIPThrottle, "rate", "2/minute", raising=False)
    client = api()
    assert [post(client, source[1]).status_code for _ in range(3)] == [201, 201, 429]
    other_address = post(client, source[1], REMOTE_ADDR="10.0.0.9")
    assert other_address.status_code == 201
    # a flood of bad keys is throttled before any key is looked at
    assert post(client, "wrong").status_code == 429


def test_requests_are_limited_per_key_across_addresses(org, api, source, monkeypatch):
    monkeypatch.setattr(WebToLeadKeyThrottle, "rate", "2/minute", raising=False)
    client = api()
    codes = [post(client, source[1], REMOTE_ADDR=f"10.0.0.{i}").status_code for i in range(3)]
    assert codes == [201, 201, 429]
    _other, other_key = capture_source_create(by=org.admin, name="partner", org_unit=org.gd_gov)
    assert post(client, other_key, REMOTE_ADDR="10.0.0.7").status_code == 201


def test_sources_are_managed_by_administrators_and_the_key_shown_once(org, api):
    created = api(org.admin).post(
        "/api/v1/lead-sources/", {"name": "Expo landing page", "org_unit": org.gd_gov.pk}
    )
    assert created.status_code == 201
    key = created.json()["key"]
    assert key.startswith("lcs_")
    stored = LeadCaptureSource.objects.get(pk=created.json()["id"])
    assert key not in (stored.key_hash, stored.key_prefix)  # only a hash is kept
    listed = api(org.admin).get("/api/v1/lead-sources/").json()["results"]
    assert listed[0]["key"] == ""
    assert post(api(), key).status_code == 201
    assert api(org.manager).get("/api/v1/lead-sources/").status_code == 403
    refused = api(org.manager).post(
        "/api/v1/lead-sources/", {"name": "x", "org_unit": org.gd_gov.pk}
    )
    assert refused.status_code == 403
    missing = api(org.admin).post("/api/v1/lead-sources/", {"name": "x"})
    assert missing.status_code == 400 and "org_unit" in missing.json()["fields"]


# --- browsers on the company's own site (CORS) -------------------------------------------------

SITE = "https://www.example.cn"


@pytest.fixture
def site_source(org):
    return capture_source_create(
        by=org.admin, name="www.example.cn", org_unit=org.gd_carrier, allowed_origins=[SITE + "/"]
    )


def test_the_preflight_lets_a_listed_origin_send_the_key_header(api, site_source):
    response = api().options(URL, HTTP_ORIGIN=SITE, HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST")
    assert response.status_code == 204
    assert response["Access-Control-Allow-Origin"] == SITE
    assert "X-Lead-Source-Key" in response["Access-Control-Allow-Headers"]
    assert "Origin" in response["Vary"]


def test_the_preflight_gives_other_origins_nothing(api, site_source, org):
    elsewhere = api().options(URL, HTTP_ORIGIN="https://evil.example.com")
    assert elsewhere.status_code == 204
    assert "Access-Control-Allow-Origin" not in elsewhere
    capture_source_revoke(source=site_source[0], by=org.admin)
    revoked = api().options(URL, HTTP_ORIGIN=SITE)
    assert "Access-Control-Allow-Origin" not in revoked


def test_a_post_from_the_sources_own_site_may_read_the_answer(api, site_source):
    created = post(api(), site_source[1], HTTP_ORIGIN=SITE)
    assert created.status_code == 201
    assert created["Access-Control-Allow-Origin"] == SITE
    refused = post(api(), site_source[1], {"company": ""}, HTTP_ORIGIN=SITE)
    assert refused.status_code == 400  # the page can show the field errors
    assert refused["Access-Control-Allow-Origin"] == SITE


def test_a_key_is_not_honoured_from_another_sources_site(api, site_source, source):
    """The preflight passed for SITE (some source lists it), but this key's source does not."""
    response = post(api(), source[1], HTTP_ORIGIN=SITE)
    assert response.status_code == 201  # a server-side post needs no CORS...
    assert "Access-Control-Allow-Origin" not in response  # ...and a browser may not read it


@pytest.mark.parametrize(
    "origins",
    [["www.example.cn"], ["ftp://example.cn"], ["https://example.cn/form"], ["https://"]],
)
def test_origins_that_are_not_origins_are_400(org, api, origins):
    response = api(org.admin).post(
        "/api/v1/lead-sources/",
        {"name": "x", "org_unit": org.gd_carrier.pk, "allowed_origins": origins},
        format="json",
    )
    assert response.status_code == 400, response.json()
    assert "allowed_origins" in response.json()["fields"]
    assert not LeadCaptureSource.objects.filter(name="x").exists()


def test_administrators_change_the_origins_and_the_change_is_audited(org, api, site_source):
    created, key = site_source
    url = f"/api/v1/lead-sources/{created.pk}/"
    assert api(org.manager).patch(url, {"allowed_origins": []}, format="json").status_code == 403
    response = api(org.admin).patch(
        url, {"allowed_origins": ["HTTPS://Shop.Example.cn", SITE]}, format="json"
    )
    assert response.status_code == 200, response.json()
    assert response.json()["allowed_origins"] == ["https://shop.example.cn", SITE]
    assert (
        post(api(), key, HTTP_ORIGIN="https://shop.example.cn")["Access-Control-Allow-Origin"]
        == "https://shop.example.cn"
    )
    assert AuditEvent.objects.filter(
        target_id=created.pk, target_type__model="leadcapturesource", action="updated"
    ).exists()

"""A payment milestone's custom fields (issue 20.2) are written through the API and its page,
checked by their definitions and state, audited; its terms stay with the payment plan."""

from __future__ import annotations

import pytest
from django.urls import reverse

from core.audit import timeline
from core.custom_fields.services import custom_field_create

from .conftest import pct_plan

pytestmark = pytest.mark.django_db
PLAN = pct_plan(("down_payment", 100, "on_signing", 0))


def define(org, key, type, **extra):
    data = {
        "target": "receivables.paymentmilestone",
        "key": key,
        "label_en": key.title(),
        "label_zh": key,
        "type": type,
    }
    return custom_field_create(by=org.admin, data={**data, **extra})


@pytest.fixture
def milestone(make_contract):
    return make_contract(amount="1000.00", plan=PLAN).payment_milestones.get()


def test_the_api_writes_checked_custom_values_and_nothing_else(org, api, milestone):
    define(org, "po_number", "text")
    define(
        org,
        "channel",
        "choice",
        choices=[{"value": "bank", "label_en": "Bank", "label_zh": "银行"}],
    )
    path = f"/api/v1/payment-milestones/{milestone.pk}/"
    refused = api(org.rep).patch(path, {"custom": {"channel": "cash"}}, format="json")
    assert refused.status_code == 400 and "custom.channel" in refused.json()["fields"]
    taken = api(org.rep).patch(
        path, {"custom": {"po_number": "PO-7", "channel": "bank"}}, format="json"
    )
    assert taken.status_code == 200, taken.json()
    assert taken.json()["custom"] == {"po_number": "PO-7", "channel": "bank"}
    ignored = api(org.rep).patch(path, {"amount": "1.00", "due_date": "2030-01-01"}, format="json")
    assert ignored.status_code == 200
    milestone.refresh_from_db()
    assert str(milestone.amount) == "1000.00"
    assert milestone.custom == {"po_number": "PO-7", "channel": "bank"}
    assert any(e.action == "updated" for e in timeline(milestone))
    assert api(org.rep).put(path, {"custom": {}}, format="json").status_code == 405


def test_only_who_may_change_the_milestone_writes_its_fields(org, api, milestone):
    define(org, "po_number", "text")
    path = f"/api/v1/payment-milestones/{milestone.pk}/"
    body = {"custom": {"po_number": "PO-9"}}
    assert api(org.other_region_rep).patch(path, body, format="json").status_code == 404
    assert api(org.teammate).patch(path, body, format="json").status_code == 403
    milestone.refresh_from_db()
    assert milestone.custom == {}


def test_a_stale_version_is_refused(org, api, milestone):
    define(org, "po_number", "text")
    path = f"/api/v1/payment-milestones/{milestone.pk}/"
    body = {"custom": {"po_number": "PO-1"}}
    stale = api(org.rep).patch(path, body, format="json", HTTP_IF_MATCH='"999"')
    assert stale.status_code == 409 and stale.json()["code"] == "stale_version"


def test_the_page_edits_the_fields_in_both_languages(org, client, milestone):
    define(org, "po_number", "text", label_zh="采购单号")
    client.force_login(org.rep)
    detail = client.get(milestone.get_absolute_url()).content.decode()
    url = reverse("receivables:milestone-fields", args=[milestone.pk])
    assert url in detail
    form = client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "采购单号" in form
    saved = client.post(url, {"custom.po_number": "PO-42"})
    assert saved.status_code == 302
    milestone.refresh_from_db()
    assert milestone.custom == {"po_number": "PO-42"}
    client.force_login(org.teammate)
    assert client.get(url).status_code == 404
    assert url not in client.get(milestone.get_absolute_url()).content.decode()


def test_without_fields_the_page_offers_no_edit(org, client, milestone):
    client.force_login(org.rep)
    url = reverse("receivables:milestone-fields", args=[milestone.pk])
    assert url not in client.get(milestone.get_absolute_url()).content.decode()

"""Custom values through every other way in (issue 20.2): bulk upsert, CSV/XLSX import, the
pages' forms, the admin; and the administrators' page and the record pages' Details."""

from __future__ import annotations

import pytest

from accounts.models import Customer
from core.custom_fields.services import custom_field_create
from tests.accounts.conftest import csv_bytes, upload, xlsx_bytes
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db

CHOICES = [
    {"value": "gold", "label_en": "Gold", "label_zh": "金"},
    {"value": "silver", "label_en": "Silver", "label_zh": "银"},
]


@pytest.fixture
def fields(org):
    def define(key, type, **extra):
        data = {"target": "accounts.customer", "key": key, "label_en": key.title()}
        return custom_field_create(
            by=org.admin, data={**data, "label_zh": key, "type": type, **extra}
        )

    return {
        "segment": define("segment", "choice", choices=CHOICES, show_in_list=True),
        "seats": define("seats", "number"),
        "vip": define("vip", "yes_no"),
    }


def test_bulk_upsert_checks_each_items_custom_values(org, api, fields):
    items = [
        {"external_id": "E1", "name": "Alpha Ltd", "custom": {"segment": "gold", "seats": "3"}},
        {"external_id": "E2", "name": "Beta Ltd", "custom": {"segment": "bronze"}},
    ]
    response = api(org.admin).post(
        "/api/v1/customers/bulk-upsert/", {"items": items}, format="json"
    )
    assert response.status_code == 200, response.json()
    results = response.json()["results"]
    assert results[0]["status"] == "created"
    assert results[1]["status"] == "error"
    assert "custom.segment" in results[1]["error"]["fields"]
    assert Customer.objects.get(external_id="E1").custom == {"segment": "gold", "seats": "3"}
    assert not Customer.objects.filter(external_id="E2").exists()


def _start(client, content, name="customers.csv"):
    return client.post(
        "/api/v1/imports/",
        {"kind": "customers", "file": upload(name, content)},
        format="multipart",
    )


@pytest.mark.parametrize("as_xlsx", [False, True])
def test_import_reads_custom_columns_and_names_bad_cells(org, api, fields, as_xlsx):
    rows = [
        ["名称", "custom.segment", "custom.seats", "Vip"],
        ["甲有限公司", "gold", "12", "yes"],
        ["乙有限公司", "bronze", "many", ""],
    ]
    content = xlsx_bytes(rows) if as_xlsx else csv_bytes(rows)
    client = api(org.rep)
    job = _start(client, content, "c.xlsx" if as_xlsx else "c.csv").json()
    assert (job["rows_total"], job["rows_valid"], job["rows_error"]) == (2, 1, 1), job
    issues = client.get(f"/api/v1/imports/{job['id']}/issues/?level=error").json()["results"]
    assert set(issues[0]["messages"]) == {"custom.segment", "custom.seats"}
    done = client.post(f"/api/v1/imports/{job['id']}/commit/", {"mode": "valid"}, format="json")
    assert done.status_code == 200, done.json()
    created = Customer.objects.get(name="甲有限公司")
    assert created.custom == {"segment": "gold", "seats": "12", "vip": True}


def test_the_customer_form_shows_and_saves_custom_fields(org, client, fields):
    client.force_login(org.rep)
    customer = CustomerFactory(owner=org.rep, custom={"segment": "silver"})
    url = f"/customers/{customer.pk}/edit/"
    page = client.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert 'name="custom.segment"' in html and 'name="custom.seats"' in html
    form = {
        "name": customer.name,
        "industry": customer.industry,
        "region": customer.region,
        "custom.segment": "gold",
        "custom.seats": "not a number",
        "custom.vip": "true",
    }
    refused = client.post(url, form)
    assert refused.status_code == 200  # the form again, with the error by the field
    assert "Give a number." in refused.content.decode()
    customer.refresh_from_db()
    assert customer.custom == {"segment": "silver"}
    form["custom.seats"] = "40"
    saved = client.post(url, form)
    assert saved.status_code == 302, saved.content.decode()[:2000]
    customer.refresh_from_db()
    assert customer.custom == {"segment": "gold", "seats": "40", "vip": True}
    detail = client.get(f"/customers/{customer.pk}/").content.decode()
    assert "Details" in detail and "Gold" in detail and "40" in detail


def test_the_list_shows_marked_fields_as_columns(org, client, fields):
    client.force_login(org.rep)
    CustomerFactory(owner=org.rep, custom={"segment": "gold"})
    html = client.get("/customers/").content.decode()
    assert "Segment" in html and "Gold" in html
    filtered = client.get("/customers/?custom.segment=silver").content.decode()
    assert "Gold" not in filtered


def test_the_settings_page_is_for_administrators(org, client, fields):
    client.force_login(org.rep)
    assert client.get("/settings/custom-fields/").status_code == 403
    client.force_login(org.admin)
    assert "segment" in client.get("/settings/custom-fields/").content.decode()
    response = client.post(
        "/settings/custom-fields/new/",
        {
            "target": "leads.lead",
            "key": "campaign",
            "type": "choice",
            "label_en": "Campaign",
            "label_zh": "活动",
            "choices": "spring | Spring fair | 春季展会",
            "required_in_states": "verified",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    edit = f"/settings/custom-fields/{fields['seats'].pk}/"
    assert client.get(edit).status_code == 200
    bad = client.post(edit, {"label_en": "Seats", "label_zh": "座位", "required_in_states": "x"})
    assert bad.status_code == 200 and "Not a state" in bad.content.decode()
    retired = client.post(
        edit, {"label_en": "Seats", "label_zh": "座位", "retired": "on", "position": "5"}
    )
    assert retired.status_code == 302
    fields["seats"].refresh_from_db()
    assert fields["seats"].retired


def test_the_admin_shows_a_bad_custom_value_on_the_field(org, client, fields):
    client.force_login(org.admin)
    customer = CustomerFactory(owner=org.rep)
    url = f"/admin/accounts/customer/{customer.pk}/change/"
    page = client.get(url)
    assert page.status_code == 200


def test_the_export_carries_custom_columns_that_the_import_reads_back(org, api, fields):
    from tests.accounts.conftest import read_csv

    CustomerFactory(owner=org.rep, name="甲有限公司", custom={"segment": "gold", "vip": True})
    rows = read_csv(api(org.rep).get("/api/v1/customers/export/?file_format=csv"))
    header = rows[0]
    assert header[-3:] == ["Segment", "Seats", "Vip"]
    assert rows[1][-3:] == ["gold", "", "true"]

"""One rule per field, the same verdict on every way in (issue 17.1).

One table of good and bad values — credit codes (GB 32100-2015, with the check character),
phone numbers, e-mail and web addresses — goes through every route a customer's or a lead's
fields come in by: the API's create and PATCH, the bulk upsert, the CSV and XLSX import, the
web form and the admin. Each route must give each value the same verdict, and a good value
the same stored form (a phone in E.164, a credit code in capitals, a bare domain as https).
"""

from __future__ import annotations

import itertools

import pytest
from django.core.exceptions import ValidationError

from accounts.models import Customer, ImportIssue
from core.validators import (
    CREDIT_CODE_CHARS,
    clean_credit_code,
    complete_credit_code,
)
from leads.models import Lead
from tests.accounts.conftest import csv_bytes, upload, xlsx_bytes

pytestmark = pytest.mark.django_db

GOOD_CODE = "91440000719275374C"
#: (field, typed value, stored value or None when it must be refused)
TABLE = [
    ("credit_code", GOOD_CODE, GOOD_CODE),
    ("credit_code", "9144 0000 7192 7537 4c", GOOD_CODE),
    ("credit_code", "９１４４００００７１９２７５３７４Ｃ", GOOD_CODE),
    ("credit_code", "91440000719275374D", None),  # wrong check character
    ("credit_code", "12345", None),  # the five-character code the API once took
    ("credit_code", "9144000071927537OC", None),  # O is not in the code's alphabet
    ("credit_code", "91440000719275374C1", None),
    ("phone", "13800138000", "+8613800138000"),
    ("phone", "020-1234 5678", "+862012345678"),
    ("phone", "+86 138 0013 8000", "+8613800138000"),
    ("phone", "+1 650 253 0000", "+16502530000"),
    ("phone", "12345", None),
    ("phone", "call me", None),
    ("email", " li.na@example.com ", "li.na@example.com"),
    ("email", "li.na@", None),
    ("email", "li na@example.com", None),
    ("website", "example.com", "https://example.com"),
    ("website", "http://example.com/about", "http://example.com/about"),
    ("website", "ftp://example.com", None),
    ("website", "javascript:alert(1)", None),
    ("website", "not a web address", None),
]
LEAD_FIELDS = {"phone": "contact_phone", "email": "contact_email"}

_names = itertools.count()


def unique_name() -> str:
    return f"Rule Test {next(_names)} Ltd"


# -- the routes: each returns (accepted, stored value) ------------------------------------------


def api_create(org, api, browser_client, field, value):
    response = api(org.rep).post(
        "/api/v1/customers/", {"name": unique_name(), field: value}, format="json"
    )
    assert response.status_code in (201, 400), response.json()
    if response.status_code == 400:
        assert field in response.json()["fields"], response.json()
        return False, None
    return True, response.json()[field]


def api_patch(org, api, browser_client, field, value):
    client = api(org.rep)
    created = client.post("/api/v1/customers/", {"name": unique_name()}, format="json").json()
    response = client.patch(
        f"/api/v1/customers/{created['id']}/",
        {field: value, "version": created["version"]},
        format="json",
    )
    assert response.status_code in (200, 400), response.json()
    if response.status_code == 400:
        assert field in response.json()["fields"], response.json()
        return False, None
    return True, Customer.objects.get(pk=created["id"]).__dict__[field]


def bulk_upsert(org, api, browser_client, field, value):
    response = api(org.rep).post(
        "/api/v1/customers/bulk-upsert/",
        {"items": [{"external_id": unique_name(), "name": unique_name(), field: value}]},
        format="json",
    )
    assert response.status_code == 200, response.json()
    result = response.json()["results"][0]
    if result["status"] == "error":
        assert field in result["error"]["fields"], result
        return False, None
    return True, Customer.objects.get(pk=result["id"]).__dict__[field]


def _import(org, api, field, value, file_name, to_bytes):
    client = api(org.rep)
    name = unique_name()
    content = to_bytes([["name", field], [name, value]])
    job = client.post(
        "/api/v1/imports/",
        {"kind": "customers", "file": upload(file_name, content)},
        format="multipart",
    ).json()
    if job["rows_error"]:
        issue = ImportIssue.objects.get(job_id=job["id"])
        assert field in issue.messages, issue.messages
        return False, None
    done = client.post(f"/api/v1/imports/{job['id']}/commit/", {"mode": "all"}, format="json")
    assert done.json()["rows_created"] == 1, done.json()
    return True, Customer.objects.get(name=name).__dict__[field]


def csv_import(org, api, browser_client, field, value):
    return _import(org, api, field, value, "customers.csv", csv_bytes)


def xlsx_import(org, api, browser_client, field, value):
    return _import(org, api, field, value, "customers.xlsx", xlsx_bytes)


def web_form(org, api, browser_client, field, value):
    name = unique_name()
    response = browser_client(org.rep).post(
        "/customers/new/", {"name": name, "industry": "enterprise", field: value}
    )
    if response.status_code == 200:
        assert field in response.context["form"].errors, response.context["form"].errors
        return False, None
    assert response.status_code == 302, response.status_code
    return True, Customer.objects.get(name=name).__dict__[field]


def web_form_edit(org, api, browser_client, field, value):
    customer = Customer.objects.get(
        pk=api(org.rep)
        .post("/api/v1/customers/", {"name": unique_name()}, format="json")
        .json()["id"]
    )
    response = browser_client(org.rep).post(
        f"/customers/{customer.pk}/edit/",
        {
            "name": customer.name,
            "industry": "enterprise",
            "version": customer.version,
            field: value,
        },
    )
    if response.status_code == 200:
        assert field in response.context["form"].errors, response.context["form"].errors
        return False, None
    assert response.status_code == 302, response.status_code
    customer.refresh_from_db()
    return True, getattr(customer, field)


def admin_form(org, api, browser_client, field, value):
    name = unique_name()
    response = browser_client(org.admin).post(
        "/admin/accounts/customer/add/",
        {
            "name": name,
            "industry": "enterprise",
            "tier": "normal",
            "revenue_currency": "CNY",  # the admin form's initial value
            "org_unit": org.gd_carrier.pk,
            "contacts-TOTAL_FORMS": "0",
            "contacts-INITIAL_FORMS": "0",
            field: value,
        },
    )
    if response.status_code == 200:
        assert field in response.context["adminform"].form.errors, response.context[
            "adminform"
        ].form.errors
        return False, None
    assert response.status_code == 302, response.status_code
    return True, Customer.objects.get(name=name).__dict__[field]


def lead_api(org, api, browser_client, field, value):
    response = api(org.rep).post(
        "/api/v1/leads/",
        {"title": "Rule test", "company_name": unique_name(), LEAD_FIELDS[field]: value},
        format="json",
    )
    assert response.status_code in (201, 400), response.json()
    if response.status_code == 400:
        assert LEAD_FIELDS[field] in response.json()["fields"], response.json()
        return False, None
    return True, response.json()[LEAD_FIELDS[field]]


def lead_import(org, api, browser_client, field, value):
    client = api(org.rep)
    title = unique_name()
    content = csv_bytes([["title", "company", LEAD_FIELDS[field]], [title, "Lead Co", value]])
    job = client.post(
        "/api/v1/imports/",
        {"kind": "leads", "file": upload("leads.csv", content)},
        format="multipart",
    ).json()
    if job["rows_error"]:
        issue = ImportIssue.objects.get(job_id=job["id"])
        assert LEAD_FIELDS[field] in issue.messages, issue.messages
        return False, None
    done = client.post(f"/api/v1/imports/{job['id']}/commit/", {"mode": "all"}, format="json")
    assert done.json()["rows_created"] == 1, done.json()
    return True, getattr(Lead.objects.get(title=title), LEAD_FIELDS[field])


CUSTOMER_ROUTES = [
    api_create,
    api_patch,
    bulk_upsert,
    csv_import,
    xlsx_import,
    web_form,
    web_form_edit,
    admin_form,
]
LEAD_ROUTES = [lead_api, lead_import]


@pytest.mark.parametrize(("field", "value", "stored"), TABLE)
def test_one_value_gets_one_verdict_on_every_way_in(org, api, browser_client, field, value, stored):
    routes = CUSTOMER_ROUTES + (LEAD_ROUTES if field in LEAD_FIELDS else [])
    verdicts = {}
    for route in routes:
        verdicts[route.__name__] = route(org, api, browser_client, field, value)
        # A code is unique and a shared phone or e-mail is a likely duplicate: free them.
        Customer.all_objects.update(credit_code="", phone="", email="")
    expected = (False, None) if stored is None else (True, stored)
    assert verdicts == {name: expected for name in verdicts}


@pytest.mark.parametrize(
    "code",
    [
        "914403001922038216",  # 华为技术有限公司, as published
        "91440300708461136T",  # 深圳市腾讯计算机系统有限公司
        "91110000100003962Y",
    ],
)
def test_published_codes_pass_and_every_other_check_character_fails(code):
    assert clean_credit_code(code) == code
    for wrong in set(CREDIT_CODE_CHARS) - {code[-1]}:
        with pytest.raises(ValidationError) as refused:
            clean_credit_code(code[:17] + wrong)
        assert refused.value.code == "credit_code_check"
    for letter in "IOSVZ":
        with pytest.raises(ValidationError):
            clean_credit_code(code[:5] + letter + code[6:])
    assert complete_credit_code(code[:17]) == code

"""Bad input on every family of forms and endpoints: malformed, oversized and hostile input is
refused with a clear error (400 with field messages, or a form error) and nothing is written;
what is accepted is shown and exported harmlessly.

- imports (customers and leads): bad encodings, binary junk, NUL bytes, oversized files;
- API bodies: malformed JSON, wrong types, huge strings, bad money and currencies, dates;
- CSV exports (customers, leads, collections): no cell a spreadsheet would run as a formula;
- pages: a name made of HTML and script is escaped on lists, detail pages, search, timeline
  and the notification centre.
"""

from __future__ import annotations

import codecs
import csv
import io
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.models import Customer, ImportJob
from core.models import Notification
from leads.models import Lead
from receivables.models import Receipt
from tests.factories import CustomerFactory, LeadFactory
from tests.receivables.conftest import TODAY, pct_plan

pytestmark = pytest.mark.django_db

XSS = "<script>alert(1)</script>"
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"
HEADERS = {"customers": "名称,行业\n", "leads": "title,company\n"}


# --- Imports: the file is refused at the door ---------------------------------------------------


def _text(kind: str) -> str:
    return HEADERS[kind] + "客户甲有限公司,电信运营商\n"


BAD_FILES = {
    "utf16_with_bom": lambda kind: codecs.BOM_UTF16_LE + _text(kind).encode("utf-16-le"),
    "utf16_without_bom": lambda kind: _text(kind).encode("utf-16-le"),
    "utf16_big_endian_without_bom": lambda kind: _text(kind).encode("utf-16-be"),
    "utf32_with_bom": lambda kind: _text(kind).encode("utf-32"),
    "nul_bytes_in_utf8": lambda kind: _text(kind).encode() + b"\x00\x00evil\n",
    "binary_junk": lambda kind: bytes(range(256)) * 8,
    "latin1_not_utf8": lambda kind: HEADERS[kind].encode() + "Café Müller,é\n".encode("latin-1"),
}


def upload(client, kind: str, content: bytes, name: str = "data.csv"):
    return client.post(
        "/api/v1/imports/",
        {"kind": kind, "file": SimpleUploadedFile(name, content, content_type="text/csv")},
        format="multipart",
    )


@pytest.mark.parametrize("kind", ["customers", "leads"])
@pytest.mark.parametrize("bad", sorted(BAD_FILES))
def test_a_file_in_a_bad_encoding_or_binary_is_refused_and_nothing_written(org, api, kind, bad):
    response = upload(api(org.manager), kind, BAD_FILES[bad](kind))
    assert response.status_code == 400, response.content
    message = response.json()["fields"]["file"][0]
    assert "UTF-8" in message, message
    assert not ImportJob.objects.exists()
    assert not Customer.objects.exists() and not Lead.objects.exists()


@pytest.mark.parametrize("kind", ["customers", "leads"])
def test_an_import_above_the_size_cap_is_refused_clearly(org, api, settings, kind):
    settings.IMPORT_MAX_BYTES = 1024 * 1024
    content = _text(kind).encode() + b"x" * (1024 * 1024)
    response = upload(api(org.manager), kind, content)
    assert response.status_code == 400, response.content
    assert "too large" in response.json()["fields"]["file"][0]
    assert not ImportJob.objects.exists()


def test_the_import_page_shows_the_encoding_error_on_the_form(org, client):
    client.force_login(org.manager)
    response = client.post(
        "/imports/new/?kind=customers",
        {"kind": "customers", "file": SimpleUploadedFile("c.csv", BAD_FILES["binary_junk"]("x"))},
    )
    assert response.status_code in (200, 400), response.status_code
    assert "UTF-8" in response.content.decode()
    assert not ImportJob.objects.exists()


# --- API bodies: 400 with field messages, never 500 ---------------------------------------------


@pytest.mark.parametrize(
    "url", ["/api/v1/customers/", "/api/v1/leads/", "/api/v1/receipts/", "/api/v1/imports/"]
)
@pytest.mark.parametrize(
    "body", ['{"name": ', "[1, 2, 3]", '"just a string"', "null", "\x00\xff", '{"name": NaN}']
)
def test_malformed_json_is_a_400(org, api, url, body):
    response = api(org.admin).generic(
        "POST", url, body.encode("utf-8", "surrogateescape"), content_type="application/json"
    )
    assert response.status_code == 400, (response.status_code, response.content[:300])
    assert response.json()["message"]


def test_a_body_above_the_request_size_limit_is_refused_not_a_500(org, api, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    body = json.dumps({"name": "x" * 20_000})
    response = api(org.rep).generic(
        "POST", "/api/v1/customers/", body, content_type="application/json"
    )
    assert response.status_code in (400, 413), (response.status_code, response.content[:300])
    assert not Customer.objects.exists()


@pytest.mark.parametrize(
    "payload, field",
    [
        ({"name": "x" * 100_000}, "name"),
        ({"name": ["a", "list"]}, "name"),
        ({"name": {"an": "object"}}, "name"),
        ({"name": 12345}, None),  # a number is accepted as its text, or refused: never a 500
        ({"name": ""}, "name"),
        ({"name": "Fine Co", "industry": "not-an-industry"}, "industry"),
        ({"name": "Fine Co", "owner": "not-an-id"}, "owner"),
        ({"name": "Fine Co", "owner": 10**30}, "owner"),
    ],
)
def test_customer_fields_of_the_wrong_type_or_size_are_field_errors(org, api, payload, field):
    response = api(org.rep).post("/api/v1/customers/", payload, format="json")
    if field is None:
        assert response.status_code in (201, 400), response.content
        return
    assert response.status_code == 400, response.content
    assert field in response.json()["fields"], response.json()
    assert not Customer.objects.exists()


@pytest.mark.parametrize(
    "changes, field",
    [
        ({"amount": "-100.00"}, "amount"),
        ({"amount": "0"}, "amount"),
        ({"amount": "1e30"}, "amount"),
        ({"amount": "99999999999999999999.99"}, "amount"),
        ({"amount": "NaN"}, "amount"),
        ({"amount": "Infinity"}, "amount"),
        ({"amount": "-Infinity"}, "amount"),
        ({"amount": "12.345"}, "amount"),
        ({"amount": "one hundred"}, "amount"),
        ({"amount": [1]}, "amount"),
        ({"currency": "XXX"}, "currency"),
        ({"currency": "cny1"}, "currency"),
        ({"currency": "<b>"}, "currency"),
        ({"received_on": "2024-13-45"}, "received_on"),
        ({"received_on": "9999-12-31"}, "received_on"),
        ({"method": "cash-in-a-bag"}, "method"),
        ({"allocations": "all of it"}, "allocations"),
        ({"allocations": [{"milestone": 1, "amount": "NaN"}]}, "allocations"),
        ({"bank_reference": "r" * 10_000}, "bank_reference"),
    ],
)
def test_bad_money_dates_and_choices_on_a_receipt_are_field_errors(
    org, api, make_contract, changes, field
):
    contract = make_contract(
        amount="1000.00", plan=pct_plan(("down_payment", 100, "on_signing", 0))
    )
    body = {
        "contract": contract.pk,
        "amount": "100.00",
        "received_on": str(TODAY()),
        "method": "bank_transfer",
        **changes,
    }
    response = api(org.finance).post("/api/v1/receipts/", body, format="json")
    assert response.status_code == 400, (response.status_code, response.content[:400])
    fields = response.json()["fields"]
    assert any(k == field or k.startswith(f"{field}.") for k in fields), response.json()
    assert not Receipt.objects.exists()


# --- CSV exports: nothing a spreadsheet would run -----------------------------------------------

FORMULAS = [
    '=HYPERLINK("http://evil.example","x")',
    "+1+1",
    "-2+3",
    "@SUM(A1)",
    "\t=1+1",
    "\r=1+1",
    "\n=1+1",
    "＝1+1",
]


def _cells(response) -> list[list[str]]:
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


@pytest.mark.parametrize("formula", FORMULAS)
def test_formula_cells_are_neutralised_in_every_csv_export(
    org, api, client, make_contract, formula
):
    customer = CustomerFactory(name=formula, owner=org.rep)
    LeadFactory(title=formula, owner=org.rep)
    contract = make_contract(
        amount="1000.00", plan=pct_plan(("down_payment", 100, "on_signing", 0)), customer=customer
    )
    made = api(org.finance).post(
        "/api/v1/receipts/",
        {
            "contract": contract.pk,
            "amount": "10.00",
            "received_on": str(TODAY()),
            "method": "bank_transfer",
            "note": formula,
        },
        format="json",
    )
    assert made.status_code == 201, made.json()
    client.force_login(org.admin)
    exports = {
        "customers api": api(org.admin).get("/api/v1/customers/export/?file_format=csv"),
        "customers page": client.get("/customers/export/?file_format=csv"),
        "leads page": client.get("/leads/export/?file_format=csv"),
        "receipts": client.get("/collections/export/receipts.csv"),
    }
    for name, response in exports.items():
        assert response.status_code == 200, name
        cells = [cell for row in _cells(response) for cell in row]
        assert "'" + formula in cells, (name, formula)
        assert formula not in cells, (name, formula)


# --- Pages: names are text, never markup --------------------------------------------------------


def test_a_name_made_of_script_is_escaped_on_every_page_that_shows_it(org, api, client):
    made = api(org.rep).post("/api/v1/customers/", {"name": XSS}, format="json")
    assert made.status_code == 201, made.json()
    customer = Customer.objects.get(pk=made.json()["id"])
    lead = LeadFactory(title=XSS, owner=org.rep, customer=customer)
    api(org.rep).patch(
        f"/api/v1/customers/{customer.pk}/",
        {"name": XSS + " (renamed)"},
        format="json",
        HTTP_IF_MATCH=f'"{customer.version}"',
    )
    Notification.objects.create(
        recipient=org.rep, kind="test", title=XSS, body=XSS, url=lead.get_absolute_url()
    )
    client.force_login(org.rep)
    pages = [
        "/customers/",
        f"/customers/{customer.pk}/",
        "/leads/",
        f"/leads/{lead.pk}/",
        "/leads/board/",
        "/search/?q=script",
        "/notifications/",
        "/",
    ]
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        html = response.content.decode()
        assert XSS not in html, url
        assert "<script>alert(1)" not in html, url
    for url in pages[:4] + ["/search/?q=script", "/notifications/"]:
        assert ESCAPED in client.get(url).content.decode(), url

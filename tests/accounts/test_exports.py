"""Exports of filtered lists: the list's own filters and policy, streamed, formula-safe; and the
duplicate warning when creating a customer."""

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import StreamingHttpResponse
from openpyxl import load_workbook

from tests.factories import CustomerFactory

from .conftest import body, read_csv

pytestmark = pytest.mark.django_db


@pytest.fixture
def customers(org):
    return {
        "mine": CustomerFactory(name="Alpha Ltd", owner=org.rep, tier="key"),
        "teammates": CustomerFactory(name="Beta Ltd", owner=org.teammate, tier="normal"),
        "formula": CustomerFactory(name="=cmd|'/c calc'!A1", owner=org.rep, tier="key"),
        "other_region": CustomerFactory(name="Gamma Ltd", owner=org.other_region_rep, tier="key"),
    }


def test_the_csv_export_streams_the_filtered_scoped_list(org, api, customers):
    response = api(org.rep).get("/api/v1/customers/export/?file_format=csv&tier=key")
    assert response.status_code == 200 and isinstance(response, StreamingHttpResponse)
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    content = body(response)
    assert content.startswith("\ufeff".encode())  # Excel reads it as UTF-8
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    names = {row[1] for row in rows[1:]}
    assert names == {"Alpha Ltd", "'=cmd|'/c calc'!A1"}  # neither Beta (filter) nor Gamma


@pytest.mark.parametrize("value", ["=1+2", "+1", "-1", "@SUM(A1)", "\tx", "\rx"])
def test_every_formula_prefix_is_neutralised(org, api, value):
    CustomerFactory(name=f"{value} Ltd", owner=org.rep)
    rows = read_csv(api(org.rep).get("/api/v1/customers/export/"))
    assert rows[1][1] == f"'{value} Ltd"


def test_the_xlsx_export_writes_text_never_formulas(org, api, customers):
    response = api(org.rep).get("/api/v1/customers/export/?file_format=xlsx&ordering=name")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(body(response))).active
    names = {row[1].value: row[1].data_type for row in sheet.iter_rows(min_row=2)}
    assert names["=cmd|'/c calc'!A1"] == "s"
    assert set(names) == {"Alpha Ltd", "Beta Ltd", "=cmd|'/c calc'!A1"}


def test_an_unknown_format_is_a_field_error(org, api):
    response = api(org.rep).get("/api/v1/customers/export/?file_format=pdf")
    assert response.status_code == 400 and "file_format" in response.json()["fields"]


def test_the_page_export_uses_the_pages_filters(org, client, customers):
    client.force_login(org.manager)
    rows = read_csv(client.get("/customers/export/?q=beta&file_format=csv"))
    assert [row[1] for row in rows[1:]] == ["Beta Ltd"]
    client.force_login(org.other_region_rep)
    rows = read_csv(client.get("/customers/export/?file_format=csv"))
    assert [row[1] for row in rows[1:]] == ["Gamma Ltd"]
    assert client.get("/customers/export/?file_format=doc").status_code == 404


def test_an_exported_file_imports_back_as_duplicates(org, api, customers):
    exported = body(api(org.manager).get("/api/v1/customers/export/?tier=normal"))
    job = api(org.manager).post(
        "/api/v1/imports/",
        {"kind": "customers", "file": SimpleUploadedFile("back.csv", exported)},
        format="multipart",
    )
    assert job.json()["rows_total"] == 1 and job.json()["rows_duplicate"] == 1


def test_creating_a_likely_duplicate_warns_with_the_candidates(org, api, customers):
    client = api(org.other_team_rep)
    response = client.post("/api/v1/customers/", {"name": "ALPHA Co., Ltd."}, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "duplicate_customer"
    assert f"#{customers['mine'].pk} Alpha Ltd" in response.json()["fields"]["name"]
    forced = client.post(
        "/api/v1/customers/", {"name": "ALPHA Co., Ltd.", "allow_duplicate": True}, format="json"
    )
    assert forced.status_code == 201


def test_the_duplicate_check_sees_across_teams_for_account_registration(org, client, customers):
    client.force_login(org.other_region_rep)
    html = client.get("/customers/duplicates/?name=alpha+limited").content.decode()
    assert "Alpha Ltd" in html and str(org.rep) in html
    assert client.get("/customers/duplicates/?name=nothing+like+it").content.strip() == b""


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("credit_code=91440000719275374c", "credit_code"),
        ("phone=%2B86 138-0013-8001", "contact phone"),
        ("email=LIN@CMCC.EXAMPLE", "contact e-mail"),
        ("phone=020-12345678", "company phone"),
    ],
)
def test_duplicates_match_on_credit_code_phone_and_email(org, api, query, field):
    from tests.factories import ContactFactory

    customer = CustomerFactory(
        name="China Mobile GD",
        owner=org.rep,
        credit_code="91440000719275374C",
        phone="020-12345678",
    )
    ContactFactory(customer=customer, phone="13800138001", email="lin@cmcc.example")
    found = api(org.other_region_rep).get(f"/api/v1/customers/duplicates/?{query}").json()
    assert [d["id"] for d in found] == [customer.pk], field

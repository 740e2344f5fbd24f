"""Server errors schemathesis found, pinned as plain tests."""

import io

import pytest
from openpyxl import load_workbook

from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


def test_a_saved_view_without_a_query_saves_the_unfiltered_list(org, api):
    response = api(org.rep).post("/api/v1/saved-views/", {"name": "All", "page": "leads:list"})
    assert response.status_code == 201, response.json()
    assert response.json()["query"] == ""


def test_an_xlsx_export_drops_control_characters_a_workbook_cannot_hold(org, api):
    CustomerFactory(owner=org.rep, name="Bell\x07 Co.\x1b")
    response = api(org.rep).get("/api/v1/customers/export/?file_format=xlsx")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    assert "Bell Co." in [cell.value for cell in next(sheet.iter_rows(min_row=2))]

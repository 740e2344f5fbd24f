"""The report builder's pages (issue 23.4): list, builder with its preview, saving, sharing,
reading a shared report in one's own scope, the Excel download; in Chinese with no English."""

from __future__ import annotations

import re
from io import BytesIO

import pytest
from openpyxl import load_workbook

from reports.models import SavedReport

pytestmark = pytest.mark.django_db

BUILD = {
    "record_type": "opportunities",
    "row1": "state",
    "column": "product_line",
    "measure": "sum",
    "measure_field": "amount",
    "chart": "bar",
}


def test_build_preview_save_and_share(browser_client, org, deals):
    client = browser_client(org.rep)
    page = client.get("/reports/new/", BUILD)
    assert page.status_code == 200
    html = page.content.decode()
    assert 'id="report-chart-data"' in html and "vendor/chart.umd.min.js" in html
    preview = client.get("/reports/preview/", BUILD)
    assert preview.status_code == 200 and "300.00" in preview.content.decode()
    saved = client.post(
        "/reports/new/",
        {**BUILD, "name": "Stages", "shared_users": [org.other_team_rep.pk], "schedule": "weekly"},
    )
    assert saved.status_code == 302, saved.content.decode()[:2000]
    report = SavedReport.objects.get(name="Stages")
    assert report.definition["rows"] == ["state"] and report.schedule == "weekly"
    assert list(report.shared_users.all()) == [org.other_team_rep]
    # The reader sees it listed as shared, and the figures of their own scope.
    reader = browser_client(org.other_team_rep)
    assert "Stages" in reader.get("/reports/").content.decode()
    read = reader.get(f"/reports/{report.pk}/").content.decode()
    assert "7.00" in read and "300.00" not in read
    assert reader.post(f"/reports/{report.pk}/", {**BUILD, "name": "Mine now"}).status_code == 400
    assert SavedReport.objects.get(pk=report.pk).name == "Stages"
    assert browser_client(org.other_region_rep).get(f"/reports/{report.pk}/").status_code == 404


def test_a_bad_choice_is_shown_on_the_form_not_a_500(browser_client, org):
    client = browser_client(org.rep)
    page = client.get("/reports/new/", {**BUILD, "row1": "owner__password"})
    assert page.status_code == 200
    assert "has-error" in page.content.decode()
    fragment = client.get("/reports/preview/", {**BUILD, "measure_field": "secret"})
    assert fragment.status_code == 200 and 'role="alert"' in fragment.content.decode()


def test_the_excel_download_is_the_readers_table(browser_client, org, deals):
    report = SavedReport.objects.create(
        owner=org.manager,
        name="By line",
        definition={"record_type": "opportunities", "rows": ["product_line"], "measure": "count"},
    )
    response = browser_client(org.manager).get(f"/reports/{report.pk}/xlsx/")
    assert response.status_code == 200
    sheet = load_workbook(BytesIO(response.content)).active
    rows = [tuple(r) for r in sheet.iter_rows(values_only=True)]
    assert rows == [("product line", "Count"), ("5G", 2), ("IoT", 2)]


@pytest.mark.parametrize("path", ["/reports/", "/reports/new/?record_type=milestones&row1=kind"])
def test_pages_in_chinese_have_no_english(browser_client, org, deals, path):
    org.manager.language = "zh-hans"
    org.manager.save(update_fields=["language"])
    SavedReport.objects.create(
        owner=org.manager,
        name="报表一",
        definition={"record_type": "opportunities", "rows": ["state"], "measure": "count"},
        schedule="monthly",
    )
    client = browser_client(org.manager)
    response = client.get(path, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 200
    html = response.content.decode()
    main = html.split("<main", 1)[-1].split(">", 1)[-1]
    # People's and units' names (the share choices) are data, not the page's words.
    text = re.sub(r"<select.*?</select>|<script.*?</script>|<[^>]+>", " ", main, flags=re.S)
    words = {w for w in re.findall(r"[A-Za-z]{4,}", text)}
    assert not words, sorted(words)

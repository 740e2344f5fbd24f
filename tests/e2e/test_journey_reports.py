"""Issue 23.4's journey in a real browser: a rep builds a report on the builder (the preview
follows each choice: a table and a Chart.js chart), saves it and shares it with a colleague of
another team, who reads it with the figures of their own scope.

Selectors use names and ids; what is asserted is what the pages show, and the database where
the page's words alone would not prove it."""

from __future__ import annotations

from reports.models import SavedReport
from tests.reports.conftest import deal

from .test_journeys import expect_language, submit


def test_build_save_and_share_a_report(open_as, screenshot, org):
    deal(org.rep, state="identified", amount="100.00", line="5G")
    deal(org.rep, state="bidding", amount="300.00", line="IoT")
    deal(org.other_team_rep, state="won", amount="7.00", line="5G")
    page = open_as(org.rep, "en")
    page.goto("/reports/")
    expect_language(page, "en")
    page.click("text=New report")
    page.wait_for_url("**/reports/new/")
    # Another record type reloads the builder with that type's choices.
    with page.expect_navigation():
        page.select_option("select[name=record_type]", "milestones")
    assert "record_type=milestones" in page.url
    assert page.locator("select[name=row1] option[value=kind]").count() == 1
    with page.expect_navigation():
        page.select_option("select[name=record_type]", "opportunities")
    # Each choice updates the preview.
    page.select_option("select[name=row1]", "state")
    page.select_option("select[name=column]", "product_line")
    page.select_option("select[name=measure]", "sum")
    page.select_option("select[name=measure_field]", "amount")
    result = page.locator("#report-result")
    result.locator("td", has_text="300.00").first.wait_for()
    page.wait_for_function("document.querySelector('#report-result canvas').width > 0")
    screenshot(page, "1-preview", full_page=False)
    # Save and share with a colleague of another team.
    page.fill("input[name=name]", "Pipeline by line")
    page.select_option("select[name=shared_users]", str(org.other_team_rep.pk))
    submit(page, "#report-builder")
    report = SavedReport.objects.get(name="Pipeline by line")
    assert page.url.endswith(f"/reports/{report.pk}/")
    assert report.definition["columns"] == ["product_line"]
    assert list(report.shared_users.all()) == [org.other_team_rep]
    # The colleague finds it among the reports shared with them and reads their own figures.
    reader = open_as(org.other_team_rep, "en")
    reader.goto("/reports/")
    reader.click("text=Pipeline by line")
    reader.wait_for_url(f"**/reports/{report.pk}/")
    table = reader.locator("#report-result table")
    assert "7.00" in table.inner_text() and "300.00" not in table.inner_text()
    assert reader.locator("button[name=save]").count() == 0
    screenshot(reader, "2-shared", full_page=False)

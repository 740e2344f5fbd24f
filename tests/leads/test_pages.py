"""The lead pages: list (filters, search, sort, saved views, export), board, detail (BANT,
score, activities, assignment), creation with account registration, rules, import wizard."""

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from leads.models import DistributionRule, Lead
from tests.factories import CustomerFactory, LeadFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def test_the_list_filters_searches_and_sorts(org, client):
    LeadFactory(owner=org.rep, title="Low", score=5)
    LeadFactory(owner=org.rep, title="High", score=80, region="广东")
    LeadFactory(owner=org.other_team_rep, title="Elsewhere", score=99)
    client.force_login(org.rep)
    page = client.get("/leads/?ordering=-score").content.decode()
    assert page.index("High") < page.index("Low") and "Elsewhere" not in page
    assert 'name="min_score"' in page and 'name="region"' in page
    assert "/leads/export/?ordering=-score&amp;file_format=csv" in page
    filtered = client.get("/leads/?region=广东").content.decode()
    assert "High" in filtered and ">Low<" not in filtered


def test_the_list_page_runs_a_constant_number_of_queries(
    org, client, django_assert_max_num_queries
):
    for _ in range(20):
        LeadFactory(owner=org.rep, customer=CustomerFactory(owner=org.rep))
    client.force_login(org.rep)
    with django_assert_max_num_queries(9):
        assert client.get("/leads/").status_code == 200


def test_the_board_shows_columns_and_card_buttons(org, client, django_assert_max_num_queries):
    mine = LeadFactory(owner=org.rep, title="Mine")
    theirs = LeadFactory(owner=org.teammate, title="Teammate's")
    client.force_login(org.rep)
    with django_assert_max_num_queries(15):
        page = client.get("/leads/board/").content.decode()
    assert "Verifying" in page and "Disqualified" in page
    assert f"/leads/{mine.pk}/transitions/start_verification/" in page
    assert f"/leads/{theirs.pk}/transitions/" not in page
    assert f'id="board-{mine.pk}-disqualify"' in page  # a reason dialog per card
    response = client.post(
        f"/leads/{mine.pk}/transitions/start_verification/", {"next": "/leads/board/?mine=true"}
    )
    assert response["Location"] == "/leads/board/?mine=true"
    assert Lead.objects.get(pk=mine.pk).state == "verifying"
    unsafe = client.post(
        f"/leads/{mine.pk}/transitions/disqualify/",
        {"next": "https://evil.example/", "reason": "x"},
    )
    assert unsafe["Location"] == mine.get_absolute_url()


def test_the_detail_page_shows_bant_score_activities_and_timeline(org, client):
    lead = LeadFactory(owner=org.rep, budget_confirmed=True, need="Private 5G for cranes")
    client.force_login(org.rep)
    page = client.get(lead.get_absolute_url()).content.decode()
    for text in ("BANT", "Budget confirmed", "Recent activity", 'id="activities"', "Timeline"):
        assert text in page, text
    assert "Private 5G for cranes" in page


def test_the_detail_page_warns_of_a_registered_account(org, client):
    CustomerFactory(name="佛山市自来水有限公司", owner=org.other_team_rep)
    lead = LeadFactory(owner=org.rep)
    Lead.objects.filter(pk=lead.pk).update(company_name="佛山市自来水 有限公司")
    client.force_login(org.rep)
    page = client.get(lead.get_absolute_url()).content.decode()
    assert "may already be a customer" in page and "佛山市自来水有限公司" in page


def test_managers_assign_from_the_detail_page(org, client):
    lead = LeadFactory(owner=None, org_unit=org.gd_carrier)
    client.force_login(org.manager)
    page = client.get(lead.get_absolute_url()).content.decode()
    assert f"/leads/{lead.pk}/assign/" in page
    client.post(f"/leads/{lead.pk}/assign/", {"assign-owner": org.teammate.pk})
    assert Lead.objects.get(pk=lead.pk).owner == org.teammate
    client.force_login(org.rep)
    response = client.post(f"/leads/{lead.pk}/assign/", {"assign-owner": org.rep.pk})
    assert Lead.objects.get(pk=lead.pk).owner == org.teammate  # not the rep's to take
    assert response.status_code == 302


def test_creating_a_lead_for_someone_elses_account_tells_the_rep_where_it_went(org, client):
    CustomerFactory(name="Guangzhou Port Group Co., Ltd.", owner=org.other_team_rep)
    client.force_login(org.rep)
    form = client.get("/leads/new/").content.decode()
    assert "/customers/duplicates/" in form  # the duplicate check as one types
    response = client.post(
        "/leads/new/",
        {
            "title": "Port 5G",
            "company_name": "GUANGZHOU PORT GROUP",
            "currency": "CNY",
            "source": "customer_inbound",
            "buying_pattern": "occasional",
        },
        follow=True,
    )
    assert response.redirect_chain[-1][0] == "/leads/"
    assert "registered to" in response.content.decode()
    assert Lead.objects.get(title="Port 5G").owner == org.other_team_rep


def test_distribution_rules_pages_for_managers(org, client):
    client.force_login(org.rep)
    assert client.get("/leads/rules/").status_code == 200
    assert client.get("/leads/rules/new/").status_code == 403
    client.force_login(org.director)
    response = client.post(
        "/leads/rules/new/",
        {
            "name": "Hospitals",
            "org_unit": org.gd.pk,
            "priority": 10,
            "industry": "healthcare",
            "team": org.gd_gov.pk,
            "assignees": [org.other_team_rep.pk],
            "assign_owner": "on",
            "is_active": "on",
        },
    )
    assert response.status_code == 302, response.content.decode()[-2000:]
    rule = DistributionRule.objects.get(name="Hospitals")
    assert list(rule.assignees.all()) == [org.other_team_rep]
    assert "Hospitals" in client.get("/leads/rules/").content.decode()
    client.post(
        f"/leads/rules/{rule.pk}/edit/",
        {"name": "Hospitals", "org_unit": org.gd.pk, "priority": 3, "team": org.gd_gov.pk},
    )
    rule.refresh_from_db()
    assert rule.priority == 3 and not rule.is_active


def test_the_lead_import_wizard(org, client, media):
    client.force_login(org.rep)
    assert "Download an empty template" in client.get("/imports/new/?kind=leads").content.decode()
    buffer = io.StringIO()
    csv.writer(buffer).writerows(
        [
            ["Title", "Company", "Estimated amount"],
            ["Wi-Fi", "Alpha Ltd", "abc"],
            ["5G", "Beta Ltd", "100"],
        ]
    )
    response = client.post(
        "/imports/new/?kind=leads",
        {"kind": "leads", "file": SimpleUploadedFile("leads.csv", buffer.getvalue().encode())},
    )
    assert response.status_code == 302
    preview = client.get(response["Location"]).content.decode()
    assert "Rows with errors" in preview and "Enter an amount such as 200000" in preview
    assert "/errors.csv" in preview
    job_url = response["Location"]
    progress = client.get(f"{job_url}progress/", HTTP_HX_REQUEST="true")
    assert progress["HX-Refresh"] == "true"  # not running: the page shows the outcome
    done = client.post(f"{job_url}commit/", {"mode": "valid"}, follow=True)
    assert "1 records created, 1 rows skipped." in done.content.decode()
    assert Lead.objects.get().title == "5G"
    report = b"".join(client.get(f"{job_url}errors.csv").streaming_content).decode("utf-8-sig")
    assert "never a decimal point). (abc)" in report


def test_an_upload_error_stays_on_the_form(org, client, media):
    client.force_login(org.rep)
    response = client.post(
        "/imports/new/?kind=customers",
        {"kind": "customers", "file": SimpleUploadedFile("x.pdf", b"%PDF")},
    )
    assert (
        response.status_code == 200 and "Upload a .csv or .xlsx file." in response.content.decode()
    )
    assert client.get("/imports/new/?kind=planets").status_code == 404


def test_editing_a_lead_on_its_page_saves_and_rescores(org, client):
    lead = LeadFactory(owner=org.rep, source="import")
    client.force_login(org.rep)
    response = client.post(
        f"/leads/{lead.pk}/edit/",
        {
            "title": "Renamed",
            "company_name": "X Ltd",
            "currency": "CNY",
            "source": "staff_referral",
            "buying_pattern": "occasional",
            "owner": org.rep.pk,
        },
    )
    assert response.status_code == 302
    lead.refresh_from_db()
    assert (lead.title, lead.score, lead.version) == ("Renamed", 15, 2)


def test_editing_a_customers_name_on_its_page_renormalises_it(org, client):
    customer = CustomerFactory(name="Old Name Ltd", owner=org.rep)
    lead = LeadFactory(owner=org.rep, customer=customer)
    client.force_login(org.rep)
    client.post(
        f"/customers/{customer.pk}/edit/",
        {"name": "（新名称）有限公司", "industry": "telecom", "tier": "key"},
    )
    customer.refresh_from_db()
    assert (customer.name, customer.normalised_name) == ("（新名称）有限公司", "新名称")
    assert customer.tier == "normal"  # the page edits no tier: that is the tier override's
    lead.refresh_from_db()
    assert lead.company_key == "新名称"


def test_the_new_pages_speak_chinese(org, client):
    org.rep.language = "zh-hans"
    org.rep.save()
    lead = LeadFactory(owner=org.rep)
    client.force_login(org.rep)
    board = client.get("/leads/board/").content.decode()
    assert "线索看板" in board and "验证中" in board and "Lead board" not in board
    detail = client.get(lead.get_absolute_url()).content.decode()
    assert "BANT 完整度" in detail and "登记活动" in detail and "Recent activity" not in detail
    wizard = client.get("/imports/new/?kind=leads").content.decode()
    assert "导入线索" in wizard and "下载空白模板" in wizard
    listing = client.get("/leads/").content.decode()
    assert "已保存视图" in listing and "导出 CSV" in listing


def test_administrators_create_a_capture_source_in_the_admin_and_see_its_key_once(org, client):
    client.force_login(org.admin)
    response = client.post(
        "/admin/leads/leadcapturesource/add/",
        {"name": "Website", "org_unit": org.gd_carrier.pk},
        follow=True,
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "shown only this once: lcs_" in page
    from leads.models import LeadCaptureSource

    source = LeadCaptureSource.objects.get()
    assert source.name == "Website" and source.key_prefix in page


@pytest.mark.parametrize("who", ["rep", "sr", "fr", "manager", "director", "admin"])
def test_the_new_pages_render_for_every_sales_role(org, client, who):
    client.force_login(getattr(org, who))
    for page in ("/leads/board/", "/leads/rules/", "/imports/", "/imports/new/?kind=leads"):
        assert client.get(page).status_code == 200, page


def test_finance_does_not_import_leads(org, client, api, media):
    client.force_login(org.finance)
    assert client.get("/imports/new/?kind=leads").status_code == 403
    assert client.get("/imports/new/?kind=customers").status_code == 200
    file = SimpleUploadedFile("l.csv", b"Title,Company\nx,y\n")
    response = api(org.finance).post(
        "/api/v1/imports/", {"kind": "leads", "file": file}, format="multipart"
    )
    assert response.status_code == 403


def test_the_page_export_of_leads(org, client):
    LeadFactory(owner=org.rep, title="Keep", score=9)
    LeadFactory(owner=org.rep, title="Drop", score=1)
    client.force_login(org.rep)
    response = client.get("/leads/export/?min_score=5&file_format=csv")
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    assert "Keep" in text and "Drop" not in text
    xlsx = client.get("/leads/export/?file_format=xlsx")
    assert xlsx["Content-Type"].startswith("application/vnd.openxmlformats")
    assert client.get("/leads/export/?file_format=exe").status_code == 404


def test_the_customer_page_lists_the_leads_the_user_may_see(org, client):
    customer = CustomerFactory(owner=org.rep)
    LeadFactory(owner=org.rep, customer=customer, title="Visible one")
    LeadFactory(owner=org.other_region_rep, customer=customer, title="Not yours")
    client.force_login(org.rep)
    page = client.get(customer.get_absolute_url()).content.decode()
    assert "Visible one" in page and "Not yours" not in page

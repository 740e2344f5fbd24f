"""Duplicate leads: refused on capture (API, page), linked from the web form, reported by the
import, and merged into one (API, page) through the lead's `merge` transition."""

import csv
import io

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.models import Activity, ImportIssue
from core.models import AuditEvent, Notification
from leads.models import Lead
from leads.services import capture_source_create
from tests.factories import LeadFactory

pytestmark = pytest.mark.django_db

COMPANY = "Shenzhen Metro Group Co., Ltd."


@pytest.fixture
def open_lead(org):
    return LeadFactory(
        owner=org.rep,
        title="Station Wi-Fi",
        company_name=COMPANY,
        contact_phone="+8613800138000",
        contact_email="chen@metro.cn",
    )


def capture(client, **data):
    payload = {"title": "Ticketing", "company_name": "SHENZHEN METRO GROUP", **data}
    return client.post("/api/v1/leads/", payload, format="json")


def merge(client, target, source):
    return client.post(f"/api/v1/leads/{target.pk}/merge/", {"source": source.pk}, format="json")


def lead_events(lead, action):
    return AuditEvent.objects.filter(
        target_type=ContentType.objects.get_for_model(Lead), target_id=lead.pk, action=action
    )


# --- Capture -------------------------------------------------------------------------------------


def test_a_lead_repeating_an_open_leads_phone_is_refused_naming_it(org, api, open_lead):
    response = capture(api(org.rep), contact_phone="138 0013 8000")
    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "duplicate_lead"
    assert body["fields"]["duplicate_of"] == [str(open_lead.pk)]
    assert f"#{open_lead.pk} Station Wi-Fi" in body["fields"]["contact_phone"][0]
    assert Lead.objects.count() == 1


def test_a_lead_repeating_an_open_leads_e_mail_is_refused(org, api, open_lead):
    response = capture(api(org.rep), contact_email="CHEN@metro.cn")
    assert response.status_code == 409
    assert f"#{open_lead.pk}" in response.json()["fields"]["contact_email"][0]


def test_another_company_or_a_closed_lead_is_no_duplicate(org, api, open_lead):
    client = api(org.rep)
    other = capture(client, company_name="Guangzhou Metro", contact_phone="13800138000")
    assert other.status_code == 201
    Lead.objects.filter(pk=open_lead.pk).update(state="disqualified")
    assert capture(client, contact_phone="13800138000").status_code == 201


def test_allow_duplicate_captures_it_linked_to_the_open_lead(org, api, open_lead):
    response = capture(api(org.rep), contact_phone="13800138000", allow_duplicate=True)
    assert response.status_code == 201, response.json()
    assert response.json()["duplicate_of"] == open_lead.pk
    assert lead_events(open_lead, "lead.possible_duplicate").exists()


def test_the_new_lead_page_refuses_a_duplicate_with_the_reason(org, client, open_lead):
    client.force_login(org.rep)
    response = client.post(
        "/leads/new/",
        {
            "title": "Ticketing",
            "company_name": COMPANY,
            "contact_phone": "13800138000",
            "currency": "CNY",
            "source": "customer_inbound",
            "buying_pattern": "occasional",
        },
    )
    assert response.status_code == 200
    assert f"#{open_lead.pk}" in response.content.decode()
    assert Lead.objects.count() == 1


def test_the_web_form_files_a_duplicate_linked_and_tells_the_owner(org, api, open_lead):
    cache.clear()
    _, key = capture_source_create(by=org.admin, name="www", org_unit=org.gd_carrier)
    response = api().post(
        "/api/v1/web-to-lead/",
        {"company": COMPANY, "contact_name": "陈先生", "contact_phone": "+86 138 0013 8000"},
        format="json",
        HTTP_X_LEAD_SOURCE_KEY=key,
    )
    cache.clear()
    assert response.status_code == 201, response.json()
    assert set(response.json()) == {"id", "status"}  # the visitor learns nothing of it
    lead = Lead.objects.get(pk=response.json()["id"])
    assert lead.duplicate_of == open_lead
    note = Notification.objects.get(recipient=org.rep, kind="lead.duplicate")
    assert str(open_lead.pk) in note.title
    page = api(org.rep).get(f"/api/v1/leads/{lead.pk}/").json()
    assert page["duplicate_of"] == open_lead.pk


# --- Import --------------------------------------------------------------------------------------


def test_import_rows_repeating_an_open_leads_phone_or_e_mail_are_duplicates(
    org, api, settings, tmp_path, open_lead
):
    settings.MEDIA_ROOT = tmp_path / "media"
    buffer = io.StringIO()
    csv.writer(buffer).writerows(
        [
            ["标题", "客户名称", "联系电话", "邮箱"],
            ["Ticketing", "Shenzhen Metro Group", "138-0013-8000", ""],
            ["Signals", "SHENZHEN METRO GROUP LTD", "", "Chen@Metro.cn"],
            ["Signals 2", "Shenzhen Metro Group", "13900000000", ""],
            ["Signals 3", "Shenzhen Metro Group", "139 0000 0000", ""],
        ]
    )
    file = SimpleUploadedFile("leads.csv", buffer.getvalue().encode("utf-8"))
    client = api(org.rep)
    job = client.post("/api/v1/imports/", {"kind": "leads", "file": file}, format="multipart")
    assert job.status_code == 201, job.json()
    job = job.json()
    assert (job["rows_duplicate"], job["rows_valid"]) == (3, 1)
    issues = {i.row: i for i in ImportIssue.objects.filter(job_id=job["id"])}
    assert issues[2].matches[0]["id"] == open_lead.pk
    assert issues[3].matches[0]["id"] == open_lead.pk
    assert "row 4" in issues[5].messages["duplicate"][0]
    done = client.post(f"/api/v1/imports/{job['id']}/commit/", {"mode": "valid"}).json()
    assert done["rows_created"] == 1


# --- Merge ---------------------------------------------------------------------------------------


@pytest.fixture
def dupe(org, open_lead):
    lead = LeadFactory(
        owner=org.rep,
        title="Ticketing",
        company_name=COMPANY,
        contact_name="陈先生",
        contact_phone="+8613800138000",
        need="Ticket gates",
        product_interest="Gates",
        budget_confirmed=True,
    )
    Lead.objects.filter(pk=lead.pk).update(duplicate_of=open_lead)
    return lead


def test_merging_moves_activities_fills_blanks_and_ends_the_duplicate(org, api, open_lead, dupe):
    activity = Activity.objects.create(
        kind="call",
        subject_type=ContentType.objects.get_for_model(Lead),
        subject_id=dupe.pk,
        owner=org.rep,
        org_unit=org.gd_carrier,
        summary="Called about gates",
    )
    response = merge(api(org.rep), open_lead, dupe)
    assert response.status_code == 200, response.json()
    activity.refresh_from_db()
    assert activity.subject_id == open_lead.pk
    open_lead.refresh_from_db()
    assert open_lead.contact_name == "陈先生" and open_lead.product_interest == "Gates"
    assert open_lead.budget_confirmed and "Ticket gates" in open_lead.need
    dupe.refresh_from_db()
    assert (dupe.state, dupe.merged_into_id) == ("merged", open_lead.pk)
    assert dupe.merged_at is not None and not dupe.is_open


def test_the_merge_runs_the_transition_and_is_on_both_timelines(org, api, open_lead, dupe):
    merge(api(org.rep), open_lead, dupe)
    transition = lead_events(dupe, "transition").get()
    assert (transition.transition, transition.to_state) == ("merge", "merged")
    assert lead_events(dupe, "lead.merged_into").exists()
    assert lead_events(open_lead, "lead.merged").get().changes["merged"] == dupe.pk


def test_merge_is_not_a_transition_users_run_directly(org, api, dupe):
    response = api(org.rep).post(f"/api/v1/leads/{dupe.pk}/transitions/merge/", {}, format="json")
    assert response.status_code == 409
    assert response.json()["code"] == "transition_internal"


@pytest.mark.parametrize("state", ["converted", "disqualified", "merged"])
def test_a_closed_lead_is_not_merged(org, api, open_lead, dupe, state):
    Lead.objects.filter(pk=dupe.pk).update(state=state)
    response = merge(api(org.rep), open_lead, dupe)
    assert response.status_code == 400
    assert "source" in response.json()["fields"]
    assert "only open leads" in response.json()["message"]
    response = merge(api(org.rep), dupe, open_lead)
    assert response.status_code in (400, 404)


def test_a_lead_is_not_merged_into_itself(org, api, open_lead):
    assert merge(api(org.rep), open_lead, open_lead).status_code == 400


def test_a_rep_cannot_merge_leads_outside_their_scope(org, api, open_lead, dupe):
    assert merge(api(org.other_region_rep), open_lead, dupe).status_code == 404
    theirs = LeadFactory(owner=org.other_region_rep, company_name=COMPANY)
    response = merge(api(org.rep), open_lead, theirs)
    assert response.status_code == 404
    assert Lead.objects.get(pk=theirs.pk).state == "new"


def test_a_lead_one_may_see_but_not_change_is_not_merged(org, api, open_lead, dupe):
    response = merge(api(org.teammate), open_lead, dupe)
    assert response.status_code in (403, 404)
    assert Lead.objects.get(pk=dupe.pk).state == "new"


def test_the_lead_page_offers_the_merge_and_the_merge_page_merges(org, client, open_lead, dupe):
    client.force_login(org.rep)
    page = client.get(f"/leads/{dupe.pk}/").content.decode()
    assert 'id="duplicate-of"' in page
    assert f"/leads/{open_lead.pk}/merge/?source={dupe.pk}" in page
    assert client.get(f"/leads/{open_lead.pk}/merge/?source={dupe.pk}").status_code == 200
    response = client.post(f"/leads/{open_lead.pk}/merge/", {"source": dupe.pk})
    assert response.status_code == 302
    assert Lead.objects.get(pk=dupe.pk).state == "merged"
    merged = client.get(f"/leads/{dupe.pk}/").content.decode()
    assert 'id="merged-into"' in merged


def test_the_merge_page_says_why_a_closed_lead_is_not_merged(org, client, open_lead, dupe):
    Lead.objects.filter(pk=dupe.pk).update(state="converted")
    client.force_login(org.rep)
    response = client.post(f"/leads/{open_lead.pk}/merge/", {"source": dupe.pk})
    assert response.status_code == 200
    assert "only open leads" in response.content.decode()

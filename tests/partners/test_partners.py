"""Channel partners (issue 21.1): created in the manager's scope, admitted through the approval
engine (准入), agreements one a year, qualification documents reviewed and reminded of before
they expire (exactly once), the access scope, and the pages in both languages."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from core.approvals.models import ApprovalRequest
from core.models import Notification
from partners.models import Partner, PartnerAgreement, PartnerQualification, QualificationNotice
from partners.tasks import qualifications_remind

from .conftest import decide, make_partner, pdf

pytestmark = pytest.mark.django_db
URL = "/api/v1/partners/"


def test_a_partner_is_created_as_a_candidate_run_by_its_creator(org, api):
    response = api(org.rep).post(
        URL,
        {"name": "Yunlian", "tier": "agent", "territories": ["广东", " 广东 "]},
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["state"] == "candidate" and body["manager"] == org.rep.pk
    assert body["territories"] == ["广东"]
    assert body["org_unit"] == org.gd_carrier.pk


def test_a_second_partner_of_the_same_name_is_a_400(org, api):
    api(org.rep).post(URL, {"name": "Yunlian", "tier": "agent"}, format="json")
    response = api(org.teammate).post(URL, {"name": "YUNLIAN", "tier": "oem"}, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "partner_exists"
    assert Partner.objects.count() == 1


def test_a_partner_manager_outside_ones_scope_is_refused(org, api):
    response = api(org.rep).post(
        URL, {"name": "Yunlian", "tier": "agent", "manager": org.other_region_rep.pk}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["code"] == "out_of_scope"
    assert not Partner.objects.exists()


def test_a_new_manager_takes_the_partner_into_their_unit(org, api):
    partner = make_partner(org, admit=False)
    moved = api(org.director).patch(
        f"{URL}{partner.pk}/", {"manager": org.other_team_rep.pk}, format="json"
    )
    assert moved.status_code == 200, moved.json()
    assert moved.json()["org_unit"] == org.gd_gov.pk
    assert api(org.rep).get(f"{URL}{partner.pk}/").status_code == 404


def test_finance_does_not_manage_partners(org, api):
    response = api(org.finance).post(URL, {"name": "Yunlian", "tier": "agent"}, format="json")
    assert response.status_code == 403


def test_partners_are_seen_by_their_managers_scope_and_the_managers_above(org, api):
    partner = make_partner(org, admit=False)
    for user in (org.rep, org.manager, org.director, org.admin):
        assert api(user).get(f"{URL}{partner.pk}/").status_code == 200, user
    for user in (org.other_team_rep, org.other_region_rep, org.other_region_manager, org.finance):
        assert api(user).get(f"{URL}{partner.pk}/").status_code == 404, user
    assert api(org.other_region_manager).get(URL).json()["results"] == []


# --- admission (准入) through the approval engine ----------------------------------------------


def test_admission_needs_a_qualification_document(org, api):
    partner = api(org.rep).post(URL, {"name": "Bare", "tier": "agent"}, format="json").json()
    response = api(org.rep).post(f"{URL}{partner['id']}/submit-admission/")
    assert response.status_code == 400
    assert response.json()["code"] == "partner_not_qualified"
    assert Partner.objects.get().state == "candidate"


def test_admission_runs_through_the_engine_and_admits_on_approval(org, api):
    partner = make_partner(org, admit=False)
    response = api(org.rep).post(f"{URL}{partner.pk}/submit-admission/")
    assert response.status_code == 200, response.json()
    assert response.json()["state"] == "in_admission"
    request = ApprovalRequest.objects.get(kind="partner_admission")
    assert request.requester == org.rep
    waiting = api(org.manager).get("/api/v1/approvals/?waiting_on=me").json()["results"]
    assert [r["id"] for r in waiting] == [request.pk]
    decided = api(org.manager).post(
        f"/api/v1/approvals/{request.pk}/decide/", {"decision": "approve"}, format="json"
    )
    assert decided.status_code == 200, decided.json()
    partner.refresh_from_db()
    assert partner.state == "admitted" and partner.admitted_at is not None
    assert partner.qualifications.get().status == "verified"


def test_a_rejected_admission_refuses_the_partner_and_it_may_ask_again(org):
    partner = make_partner(org, admit=False)
    from partners.services import partner_submit_admission

    partner_submit_admission(partner=partner, by=org.rep)
    decide(partner, org.manager, "reject", "No technical staff")
    partner.refresh_from_db()
    assert partner.state == "refused"
    partner_submit_admission(partner=partner, by=org.rep)
    partner.refresh_from_db()
    assert partner.state == "in_admission"


def test_the_requester_cannot_approve_their_own_admission(org, api):
    partner = make_partner(org, admit=False)
    api(org.rep).post(f"{URL}{partner.pk}/submit-admission/")
    request = ApprovalRequest.objects.get(kind="partner_admission")
    response = api(org.rep).post(
        f"/api/v1/approvals/{request.pk}/decide/", {"decision": "approve"}, format="json"
    )
    assert response.status_code == 403
    partner.refresh_from_db()
    assert partner.state == "in_admission"


def test_state_is_not_written_by_a_generic_update(org, api):
    partner = make_partner(org, admit=False)
    response = api(org.rep).patch(f"{URL}{partner.pk}/", {"state": "admitted"}, format="json")
    assert response.status_code == 200
    partner.refresh_from_db()
    assert partner.state == "candidate"


# --- agreements --------------------------------------------------------------------------------


def test_one_agreement_a_year_with_a_sane_discount_band(org, partner, api):
    url = "/api/v1/partner-agreements/"
    body = {
        "partner": partner.pk,
        "year": 2027,
        "target_amount": "30000000.00",
        "discount_min_pct": "5",
        "discount_max_pct": "15",
        "deposit_amount": "500000",
    }
    assert api(org.rep).post(url, body, format="json").status_code == 201
    again = api(org.rep).post(url, body, format="json")
    assert again.status_code == 400 and again.json()["code"] == "partner_agreement_exists"
    inverted = api(org.rep).post(
        url, {**body, "year": 2028, "discount_min_pct": "20"}, format="json"
    )
    assert inverted.status_code == 400
    negative = api(org.rep).post(url, {**body, "year": 2029, "deposit_amount": "-1"}, format="json")
    assert negative.status_code == 400
    assert PartnerAgreement.objects.count() == 1


def test_an_agreement_of_a_partner_one_may_not_see_is_refused(org, partner, api):
    response = api(org.other_region_rep).post(
        "/api/v1/partner-agreements/", {"partner": partner.pk, "year": 2027}, format="json"
    )
    assert response.status_code == 400
    assert not PartnerAgreement.objects.exists()


# --- qualifications ---------------------------------------------------------------------------


def test_a_document_is_uploaded_checked_and_reviewed_by_a_manager(org, partner, api):
    url = "/api/v1/partner-qualifications/"
    until = (timezone.localdate() + dt.timedelta(days=200)).isoformat()
    fake = api(org.rep).post(
        url,
        {"partner": partner.pk, "kind": "other", "valid_until": until, "file": pdf("x.png")},
        format="multipart",
    )
    assert fake.status_code == 400  # a PDF named .png
    created = api(org.rep).post(
        url,
        {"partner": partner.pk, "kind": "certification", "valid_until": until, "file": pdf()},
        format="multipart",
    )
    assert created.status_code == 201, created.json()
    pk = created.json()["id"]
    assert created.json()["status"] == "pending"
    by_rep = api(org.rep).post(f"{url}{pk}/review/", {"status": "verified"}, format="json")
    assert by_rep.status_code == 403
    by_manager = api(org.manager).post(f"{url}{pk}/review/", {"status": "verified"}, format="json")
    assert by_manager.status_code == 200 and by_manager.json()["status"] == "verified"
    download = api(org.rep).get(f"{url}{pk}/download/")
    assert download.status_code == 200
    assert download["Content-Type"] == "application/pdf"
    assert api(org.other_region_rep).get(f"{url}{pk}/download/").status_code == 404


def test_an_expired_document_is_refused(org, partner, api):
    response = api(org.rep).post(
        "/api/v1/partner-qualifications/",
        {
            "partner": partner.pk,
            "kind": "certification",
            "valid_until": (timezone.localdate() - dt.timedelta(days=1)).isoformat(),
            "file": pdf(),
        },
        format="multipart",
    )
    assert response.status_code == 400
    assert "valid_until" in response.json()["fields"]


def test_expiring_qualifications_are_reminded_once(org, partner):
    PartnerQualification.objects.filter(partner=partner).update(
        valid_until=timezone.localdate() + dt.timedelta(days=10)
    )
    assert qualifications_remind() == 1
    assert qualifications_remind() == 0  # the notice row is the claim
    notes = Notification.objects.filter(recipient=org.rep, kind="partner.qualification_expiring")
    assert notes.count() == 1
    assert QualificationNotice.objects.count() == 1
    # a renewed document (a new date) is reminded again
    PartnerQualification.objects.filter(partner=partner).update(
        valid_until=timezone.localdate() + dt.timedelta(days=20)
    )
    assert qualifications_remind() == 1


def test_documents_far_from_expiry_or_unverified_are_not_reminded(org):
    partner = make_partner(org, admit=False)
    PartnerQualification.objects.filter(partner=partner).update(
        valid_until=timezone.localdate() + dt.timedelta(days=5)
    )
    assert qualifications_remind() == 0  # pending review
    assert not Notification.objects.filter(kind="partner.qualification_expiring").exists()


# --- pages ------------------------------------------------------------------------------------


def test_the_pages_show_partners_in_chinese(org, partner, browser_client):
    org.rep.language = "zh-hans"
    org.rep.save()
    client = browser_client(org.rep)
    listing = client.get("/partners/").content.decode()
    assert "渠道伙伴" in listing and partner.name in listing
    page = client.get(f"/partners/{partner.pk}/").content.decode()
    assert "协议" in page and "资质" in page
    for url in (
        "/partners/new/",
        f"/partners/{partner.pk}/edit/",
        f"/partners/{partner.pk}/agreements/new/",
        f"/partners/{partner.pk}/qualifications/new/",
        f"/partners/{partner.pk}/registrations/new/",
        "/partners/registrations/",
    ):
        assert client.get(url).status_code == 200, url


def test_the_new_partner_form_creates_one(org, browser_client):
    client = browser_client(org.rep)
    response = client.post(
        "/partners/new/",
        {"name": "Form Co", "tier": "oem", "territories": "广东，广西", "product_lines": "5G"},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    partner = Partner.objects.get(name="Form Co")
    assert partner.territories == ["广东", "广西"] and partner.manager == org.rep


def test_a_partner_page_is_not_found_outside_ones_scope(org, partner, browser_client):
    client = browser_client(org.other_region_rep)
    assert client.get(f"/partners/{partner.pk}/").status_code == 404
    assert client.get(f"/partners/{partner.pk}/edit/").status_code == 404

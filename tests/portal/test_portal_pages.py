"""The partner portal's pages (/portal/, ADR 21): a partner user's own partner only, in both
languages; internal pages send them to the portal; our own people are refused the portal."""

from __future__ import annotations

import pytest
from django.utils import timezone

from partners.models import PartnerQualification, PartnerRegistration
from partners.services import agreement_create
from tests.factories import CustomerFactory, OpportunityFactory

from .conftest import pdf

pytestmark = pytest.mark.django_db

PAGES = [
    "/portal/",
    "/portal/registrations/",
    "/portal/opportunities/",
    "/portal/quotes/",
    "/portal/orders/",
    "/portal/documents/",
]


def test_every_portal_page_opens_for_a_partner_user_in_both_languages(client, lin):
    client.force_login(lin)
    for url in PAGES:
        response = client.get(url)
        assert response.status_code == 200, url
    lin.language = "zh-hans"
    lin.save(update_fields=["language"])
    home = client.get("/portal/").content.decode()
    assert "概览" in home and "Overview" not in home
    assert "报备项目" in client.get("/portal/registrations/").content.decode()


def test_internal_pages_send_a_partner_user_to_the_portal(client, lin):
    client.force_login(lin)
    for url in ("/", "/customers/", "/opportunities/", "/partners/", "/admin/", "/settings/"):
        response = client.get(url)
        assert response.status_code == 302 and response.url == "/portal/", url


def test_our_own_people_are_refused_the_portal(client, org, partner):
    client.force_login(org.rep)
    assert client.get("/portal/").status_code == 403


def test_home_shows_target_and_attainment_of_won_deals(client, org, partner, other_partner, lin):
    year = timezone.localdate().year
    agreement_create(
        by=org.rep, partner=partner, data={"year": year, "currency": "CNY", "target_amount": 1000}
    )
    OpportunityFactory(
        owner=org.rep, partner=partner, state="won", amount=250, closed_at=timezone.now()
    )
    OpportunityFactory(  # another partner's win is not this one's
        owner=org.rep, partner=other_partner, state="won", amount=700, closed_at=timezone.now()
    )
    client.force_login(lin)
    page = client.get("/portal/").content.decode()
    assert "25.0%" in page


def test_the_pages_list_only_the_own_partners_rows(client, org, partner, other_partner, lin):
    mine = OpportunityFactory(owner=org.rep, partner=partner, name="Ours via Yunlian")
    OpportunityFactory(owner=org.rep, partner=other_partner, name="Via Xinda")
    OpportunityFactory(owner=org.rep, name="Our own deal")
    client.force_login(lin)
    page = client.get("/portal/opportunities/").content.decode()
    assert mine.name in page and "Via Xinda" not in page and "Our own deal" not in page
    docs = client.get("/portal/documents/").content.decode()
    assert PartnerQualification.objects.filter(partner=other_partner).exists()
    assert docs.count("<tr>") == 1 + PartnerQualification.objects.filter(partner=partner).count()


def test_register_and_withdraw_through_the_pages(client, org, partner, lin):
    CustomerFactory(
        name="Guangdong Power Grid", owner=org.rep, org_unit=org.gd_carrier, region="广东"
    )
    client.force_login(lin)
    form = {
        "customer_name": "Guangdong Power Grid",
        "project": "Campus 5G",
        "product_line": "5G",
        "currency": "CNY",
    }
    response = client.post("/portal/registrations/", form)
    assert response.status_code == 302
    registration = PartnerRegistration.objects.get()
    assert registration.partner == partner and registration.submitted_by == lin
    page = client.get("/portal/registrations/").content.decode()
    assert "data-confirm" in page
    client.post(f"/portal/registrations/{registration.pk}/withdraw/")
    registration.refresh_from_db()
    assert registration.state == "withdrawn"
    # An unknown customer: the form says so, nothing written.
    response = client.post("/portal/registrations/", {**form, "customer_name": "Nobody Ltd"})
    assert response.status_code == 200 and PartnerRegistration.objects.count() == 1


def test_upload_a_document_through_the_page(client, partner, lin):
    client.force_login(lin)
    before = PartnerQualification.objects.filter(partner=partner).count()
    response = client.post(
        "/portal/documents/",
        {"kind": "business_licence", "valid_until": "2099-01-01", "file": pdf()},
    )
    assert response.status_code == 302
    assert PartnerQualification.objects.filter(partner=partner).count() == before + 1


def test_the_partner_manager_adds_and_deactivates_partner_users_on_the_partners_page(
    client, org, partner
):
    client.force_login(org.rep)
    page = client.get(partner.get_absolute_url()).content.decode()
    assert "/members/new/" in page
    response = client.post(
        f"/partners/{partner.pk}/members/new/", {"username": "lin", "password": "Portal-pass-2026!"}
    )
    assert response.status_code == 302
    member = partner.members.get()
    assert member.user.role == "partner"
    page = client.get(partner.get_absolute_url()).content.decode()
    assert "data-confirm" in page and f"/partners/members/{member.pk}/deactivate/" in page
    # Another team's rep may not (the partner is not theirs to see).
    client.force_login(org.other_team_rep)
    assert client.post(f"/partners/members/{member.pk}/deactivate/").status_code == 404
    client.force_login(org.rep)
    client.post(f"/partners/members/{member.pk}/deactivate/")
    member.refresh_from_db()
    assert not member.active and not member.user.is_active

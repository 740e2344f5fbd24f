"""Project registration by partners (项目报备, issue 21.2): the tier, territory, product line and
qualification checks; approval through the engine; protection for the partner; the 400 naming
who holds an already-protected customer; conflicts to a ruling; expiry and renewal by activity;
the registration becoming an opportunity with the partner on it, through the ATI gate."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from accounts.models import Activity, CustomerRegistration
from accounts.services import registration_create, registration_rule
from accounts.tasks import registrations_expire
from core.approvals.models import ApprovalRequest
from core.models import AuditEvent
from opportunities.models import Opportunity
from partners.models import PartnerQualification, PartnerRegistration
from tests.factories import CustomerFactory
from tests.opportunities.conftest import pass_gate

from .conftest import decide, make_partner

pytestmark = pytest.mark.django_db
URL = "/api/v1/partner-registrations/"


def submit(api, user, partner, customer, **extra):
    body = {
        "partner": partner.pk,
        "customer": customer.pk,
        "project": "Substation 5G network",
        "product_line": "5G",
        "estimated_amount": "1200000.00",
        **extra,
    }
    return api(user).post(URL, body, format="json")


def approved(api, org, partner, customer, **extra):
    response = submit(api, org.rep, partner, customer, **extra)
    assert response.status_code == 201, response.json()
    registration = PartnerRegistration.objects.get(pk=response.json()["id"])
    decide(registration, org.manager)
    registration.refresh_from_db()
    return registration


def test_an_approved_registration_is_protected_for_the_partner(org, api, partner, customer):
    response = submit(api, org.rep, partner, customer)
    assert response.status_code == 201, response.json()
    assert response.json()["state"] == "submitted"
    assert response.json()["protection"] is None
    request = ApprovalRequest.objects.get(kind="partner_registration")
    decided = api(org.manager).post(
        f"/api/v1/approvals/{request.pk}/decide/", {"decision": "approve"}, format="json"
    )
    assert decided.status_code == 200, decided.json()
    body = api(org.rep).get(f"{URL}{response.json()['id']}/").json()
    assert body["state"] == "approved" and body["protection_state"] == "protected"
    protection = CustomerRegistration.objects.get(pk=body["protection"])
    assert protection.channel == f"partner:{partner.pk}" and protection.channel_name == partner.name
    assert protection.owner == partner.manager
    assert protection.protected_until is not None


def test_a_rejected_registration_protects_nothing(org, partner, customer, api):
    response = submit(api, org.rep, partner, customer)
    registration = PartnerRegistration.objects.get(pk=response.json()["id"])
    decide(registration, org.manager, "reject", "Our own rep is on it")
    registration.refresh_from_db()
    assert registration.state == "rejected" and registration.protection is None
    assert not CustomerRegistration.objects.exists()


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"tier": "service_provider"}, "partner_tier_not_allowed"),
        ({"territories": ["江苏"]}, "partner_outside_territory"),
        ({"product_lines": ["Data centre"]}, "partner_product_line_not_allowed"),
    ],
)
def test_a_partner_registers_only_what_it_may_sell(org, api, customer, change, code):
    partner = make_partner(org, **change)
    response = submit(api, org.rep, partner, customer)
    assert response.status_code == 400
    assert response.json()["code"] == code
    assert not PartnerRegistration.objects.exists()


def test_a_partner_without_territory_sells_everywhere(org, api, customer):
    partner = make_partner(org, territories=[])
    assert submit(api, org.rep, partner, customer).status_code == 201


def test_a_partner_not_admitted_or_not_qualified_registers_nothing(org, api, customer):
    candidate = make_partner(org, name="Candidate", admit=False)
    response = submit(api, org.rep, candidate, customer)
    assert response.json()["code"] == "partner_not_admitted"
    lapsed = make_partner(org, name="Lapsed")
    PartnerQualification.objects.filter(partner=lapsed).update(
        valid_until=timezone.localdate() - dt.timedelta(days=1)
    )
    response = submit(api, org.rep, lapsed, customer)
    assert response.status_code == 400 and response.json()["code"] == "partner_not_qualified"


def test_a_customer_protected_for_our_rep_is_a_400_naming_the_holder(org, api, partner, customer):
    held = registration_create(by=org.teammate, customer=customer)
    response = submit(api, org.rep, partner, customer)
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "registration_conflict"
    assert str(org.teammate) in body["message"]
    assert held.protected_until.isoformat() in body["message"]
    assert "customer" in body["fields"]
    assert not PartnerRegistration.objects.exists()


def test_a_project_protected_for_another_partner_names_that_partner(
    org, api, partner, other_partner, customer
):
    approved(api, org, other_partner, customer)
    response = submit(api, org.rep, partner, customer)
    assert response.status_code == 400
    assert response.json()["code"] == "registration_conflict"
    assert other_partner.name in response.json()["message"]


def test_a_contested_registration_goes_to_a_ruling_recorded_on_both(
    org, api, partner, other_partner, customer
):
    """Two partners of one partner manager: the second contests, and a manager rules."""
    first = approved(api, org, other_partner, customer)
    second = approved(api, org, partner, customer, contest=True)
    assert second.state == "approved"
    assert second.protection.state == "pending_ruling"
    assert second.protection.competing_id == first.protection_id
    ruled = registration_rule(
        registration=second.protection, by=org.manager, award="challenger", comment="First seen"
    )
    assert ruled.state == "protected"
    first.protection.refresh_from_db()
    assert first.protection.state == "rejected"
    ruling = AuditEvent.objects.filter(action="registration.ruled", target_id=customer.pk).get()
    assert ruling.changes["awarded_to"].startswith(partner.name)


def test_our_rep_registering_a_partners_project_meets_the_conflict(org, api, partner, customer):
    approved(api, org, partner, customer)
    response = api(org.teammate).post(
        "/api/v1/customer-registrations/",
        {"customer": customer.pk, "project": "Substation 5G network"},
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["code"] == "registration_conflict"
    assert partner.name in response.json()["message"]


def age(protection, days):
    CustomerRegistration.objects.filter(pk=protection.pk).update(
        protected_until=protection.protected_until - dt.timedelta(days=days),
        renewed_at=protection.renewed_at - dt.timedelta(days=days),
    )


def test_an_unworked_partner_protection_expires_with_the_hourly_job(org, api, partner, customer):
    registration = approved(api, org, partner, customer)
    age(registration.protection, 200)
    assert registrations_expire() == 1
    assert registrations_expire() == 0
    registration.protection.refresh_from_db()
    assert registration.protection.state == "expired"
    assert api(org.rep).get(f"{URL}{registration.pk}/").json()["protection_state"] == "expired"


def test_a_worked_partner_protection_is_renewed(org, api, partner, customer):
    registration = approved(api, org, partner, customer)
    age(registration.protection, 200)
    Activity.objects.create(
        kind="visit",
        subject_type=ContentType.objects.get_for_model(customer),
        subject_id=customer.pk,
        customer=customer,
        owner=org.rep,
        org_unit=org.gd_carrier,
        summary="Visited with the partner",
        occurred_at=timezone.now() - dt.timedelta(days=5),
        created_by=org.rep,
    )
    assert registrations_expire() == 0
    registration.protection.refresh_from_db()
    assert registration.protection.state == "protected"
    assert registration.protection.protected_until > timezone.localdate()


def test_the_registration_becomes_an_opportunity_with_the_partner_through_the_gates(
    org, api, partner, customer
):
    registration = approved(api, org, partner, customer)
    response = api(org.rep).post(
        f"{URL}{registration.pk}/convert/", {"sr": org.sr.pk, "fr": org.fr.pk}, format="json"
    )
    assert response.status_code == 201, response.json()
    opportunity = Opportunity.objects.get(pk=response.json()["opportunity"])
    assert opportunity.partner == partner and opportunity.partner_registration == registration
    assert opportunity.customer == customer and opportunity.product_line == "5G"
    assert str(opportunity.amount) == "1200000.00" and opportunity.owner == partner.manager
    again = api(org.rep).post(f"{URL}{registration.pk}/convert/", {}, format="json")
    assert again.status_code == 400
    assert again.json()["code"] == "partner_registration_converted"
    assert api(org.rep).get(f"{URL}{registration.pk}/").json()["opportunity"] == opportunity.number
    pass_gate(api, org, opportunity, "ati")
    opportunity.refresh_from_db()
    assert opportunity.state == "initiated"


def test_only_a_protected_registration_becomes_an_opportunity(org, api, partner, customer):
    response = submit(api, org.rep, partner, customer)
    pk = response.json()["id"]
    refused = api(org.rep).post(f"{URL}{pk}/convert/", {}, format="json")
    assert refused.status_code == 409
    assert refused.json()["code"] == "registration_not_convertible"
    assert not Opportunity.objects.exists()


def test_registrations_follow_their_partners_scope(org, api, partner, customer):
    registration = approved(api, org, partner, customer)
    assert api(org.director).get(f"{URL}{registration.pk}/").status_code == 200
    assert api(org.other_region_rep).get(f"{URL}{registration.pk}/").status_code == 404
    outsider = api(org.other_region_rep).post(f"{URL}{registration.pk}/convert/", {}, format="json")
    assert outsider.status_code == 404


def test_a_registration_for_a_customer_one_may_not_see_is_refused(org, api, partner):
    hidden = CustomerFactory(owner=org.other_region_rep, region="广东")
    response = submit(api, org.rep, partner, hidden)
    assert response.status_code == 400
    assert not PartnerRegistration.objects.exists()


def test_the_pages_register_and_convert(org, partner, customer, browser_client):
    client = browser_client(org.rep)
    response = client.post(
        f"/partners/{partner.pk}/registrations/new/",
        {
            "customer": customer.pk,
            "project": "Campus network",
            "product_line": "5G",
            "estimated_amount": "300,000",
            "currency": "CNY",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    registration = PartnerRegistration.objects.get()
    decide(registration, org.manager)
    page = client.get(f"/partners/registrations/{registration.pk}/").content.decode()
    assert "Campus network" in page and "convert" in page
    converted = client.post(f"/partners/registrations/{registration.pk}/convert/")
    assert converted.status_code == 302
    assert Opportunity.objects.get().partner == partner


def test_the_registration_form_shows_the_conflict(org, partner, customer, browser_client):
    registration_create(by=org.teammate, customer=customer)
    response = browser_client(org.rep).post(
        f"/partners/{partner.pk}/registrations/new/",
        {"customer": customer.pk, "project": "Campus", "product_line": "5G", "currency": "CNY"},
    )
    assert response.status_code == 200
    assert str(org.teammate) in response.content.decode()

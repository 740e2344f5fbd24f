"""项目报备 races on PostgreSQL (ADR 20): two partners' registrations of one customer's project
approved at the same instant leave exactly one protected and the other a conflict waiting for
a ruling; two reminder runs at once remind of an expiring qualification once (threads, each
with its own connection; see `racing.py`)."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest
from django.db import connection
from django.utils import timezone

from accounts.models import CustomerRegistration
from core.approvals.engine import open_request_for
from core.models import Notification
from partners.models import PartnerQualification, PartnerRegistration, QualificationNotice
from partners.tasks import qualifications_remind
from tests.factories import CustomerFactory
from tests.partners.conftest import make_partner
from tests.trust.racing import race

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="real concurrency: PostgreSQL"),
]

URL = "/api/v1/partner-registrations/"


@pytest.fixture(autouse=True)
def tasks_loaded():
    """Load the Celery tasks before the racers start (a contest notifies by e-mail)."""
    from celery import current_app

    current_app.loader.import_default_modules()


def test_two_partners_approved_at_once_protect_the_project_once(org, api):
    customer = CustomerFactory(owner=org.rep, org_unit=org.gd_carrier, region="广东")
    first = make_partner(org, name="Yunlian")
    second = make_partner(org, name="Xinda", tier="general_distributor")
    ids = []
    for partner in (first, second):
        response = api(org.rep).post(
            URL,
            {
                "partner": partner.pk,
                "customer": customer.pk,
                "project": "Substation 5G",
                "product_line": "5G",
                "contest": True,
            },
            format="json",
        )
        assert response.status_code == 201, response.json()
        ids.append(response.json()["id"])
    requests = [open_request_for(PartnerRegistration.objects.get(pk=pk)) for pk in ids]

    def approve(user, request):
        return lambda: api(user).post(
            f"/api/v1/approvals/{request.pk}/decide/", {"decision": "approve"}, format="json"
        )

    responses = race(approve(org.manager, requests[0]), approve(org.director, requests[1]))
    assert [r.status_code for r in responses] == [200, 200], [r.json() for r in responses]
    states = Counter(PartnerRegistration.objects.get(pk=pk).protection.state for pk in ids)
    assert states == Counter({"protected": 1, "pending_ruling": 1})
    protected = CustomerRegistration.objects.get(customer=customer, state="protected")
    waiting = CustomerRegistration.objects.get(customer=customer, state="pending_ruling")
    assert waiting.competing_id == protected.pk
    assert {protected.channel, waiting.channel} == {f"partner:{first.pk}", f"partner:{second.pk}"}


def test_two_partners_refused_at_once_when_a_rep_holds_it(org, api):
    customer = CustomerFactory(owner=org.rep, org_unit=org.gd_carrier, region="广东")
    api(org.teammate).post(
        "/api/v1/customer-registrations/", {"customer": customer.pk}, format="json"
    )
    partners = [make_partner(org, name="Yunlian"), make_partner(org, name="Xinda")]

    def submit(partner):
        return lambda: api(org.rep).post(
            URL,
            {
                "partner": partner.pk,
                "customer": customer.pk,
                "project": "Substation 5G",
                "product_line": "5G",
            },
            format="json",
        )

    responses = race(*(submit(p) for p in partners))
    assert [r.status_code for r in responses] == [400, 400]
    assert {r.json()["code"] for r in responses} == {"registration_conflict"}
    assert not PartnerRegistration.objects.exists()


def test_two_reminder_runs_at_once_remind_once(org):
    partner = make_partner(org)
    PartnerQualification.objects.filter(partner=partner).update(
        valid_until=timezone.localdate() + dt.timedelta(days=3)
    )
    results = race(qualifications_remind, qualifications_remind)
    assert sorted(results) == [0, 1]
    assert QualificationNotice.objects.count() == 1
    assert Notification.objects.filter(kind="partner.qualification_expiring").count() == 1

"""客户报备 races on PostgreSQL: a customer registered by many at the same instant is protected
for exactly one of them; the others are told what a later, lone registration is told (400
`registration_conflict` or `registration_exists`), or wait for a ruling when they contest; two
expiry runs at once end a protection once (threads, each with its own connection; see
`racing.py`)."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest
from django.db import connection

from accounts.models import CustomerRegistration
from accounts.services import registration_create
from accounts.tasks import registrations_expire
from core.models import AuditEvent, Notification
from tests.factories import CustomerFactory
from tests.trust.racing import race, stampede

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="real concurrency: PostgreSQL"),
]

URL = "/api/v1/customer-registrations/"


@pytest.fixture(autouse=True)
def tasks_loaded():
    """Load the Celery tasks before the racers start: a contest notifies by e-mail, and
    threads that each trigger Celery's first autodiscovery at once can miss a task."""
    from celery import current_app

    current_app.loader.import_default_modules()


def colleagues(org):
    """Everyone of the carrier team who sells (they all see the team's customers)."""
    return [org.rep, org.teammate, org.sr, org.fr, org.manager]


def test_many_registering_one_customer_at_once_protect_it_once(org, api):
    customer = CustomerFactory(owner=org.rep, org_unit=org.gd_carrier)

    def register(user):
        return lambda: api(user).post(URL, {"customer": customer.pk}, format="json")

    responses = race(*(register(u) for u in colleagues(org) * 4))
    statuses = Counter(r.status_code for r in responses)
    assert statuses == Counter({201: 1, 400: 19}), [r.json() for r in responses]
    codes = Counter(r.json()["code"] for r in responses if r.status_code == 400)
    assert set(codes) <= {"registration_conflict", "registration_exists"}
    assert CustomerRegistration.objects.filter(customer=customer, state="protected").count() == 1
    assert CustomerRegistration.objects.count() == 1


def test_the_same_registration_sent_twenty_times_is_made_once(org, api):
    customer = CustomerFactory(owner=org.rep, org_unit=org.gd_carrier)
    responses = stampede(
        lambda: api(org.rep).post(URL, {"customer": customer.pk, "project": "5G"}, format="json")
    )
    statuses = Counter(r.status_code for r in responses)
    assert statuses == Counter({201: 1, 400: 19})
    assert {r.json()["code"] for r in responses if r.status_code == 400} == {"registration_exists"}
    assert CustomerRegistration.objects.count() == 1


def test_contesting_at_once_gives_one_holder_and_rulings_for_the_rest(org, api):
    customer = CustomerFactory(owner=org.rep, org_unit=org.gd_carrier)

    def register(user):
        return lambda: api(user).post(
            URL, {"customer": customer.pk, "contest": True}, format="json"
        )

    responses = race(*(register(u) for u in colleagues(org)))
    assert Counter(r.status_code for r in responses) == Counter({201: 5})
    states = Counter(CustomerRegistration.objects.values_list("state", flat=True))
    assert states == Counter({"protected": 1, "pending_ruling": 4})
    holder = CustomerRegistration.objects.get(state="protected")
    assert set(
        CustomerRegistration.objects.filter(state="pending_ruling").values_list(
            "competing", flat=True
        )
    ) == {holder.pk}


def test_two_expiry_runs_at_once_end_a_protection_once(org):
    customers = [CustomerFactory(owner=org.rep, org_unit=org.gd_carrier) for _ in range(5)]
    for customer in customers:
        held = registration_create(by=org.rep, customer=customer)
        CustomerRegistration.objects.filter(pk=held.pk).update(
            protected_until=held.protected_until - dt.timedelta(days=100),
            renewed_at=held.renewed_at - dt.timedelta(days=100),
        )
    counts = race(registrations_expire, registrations_expire, registrations_expire)
    assert sum(counts) == 5
    assert CustomerRegistration.objects.filter(state="expired").count() == 5
    assert Notification.objects.filter(kind="registration.ended").count() == 5
    assert AuditEvent.objects.filter(action="registration.ended").count() == 5

"""Customer registrations (客户报备): protection, contest and ruling, renewal with activity,
release, the hourly expiry (exactly once), the API, the pages and the access scope."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.contenttypes.models import ContentType
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from accounts.models import Activity, CustomerRegistration
from accounts.services import (
    registration_create,
    registration_release,
    registration_renew,
    registration_rule,
)
from accounts.tasks import registrations_expire
from core.errors import Conflict, Forbidden, ValidationFailed
from core.models import AuditEvent, Notification
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db
URL = "/api/v1/customer-registrations/"


@pytest.fixture
def customer(org):
    return CustomerFactory(name="Guangdong Power Grid", owner=org.rep, org_unit=org.gd_carrier)


def visit(customer, user, when=None):
    return Activity.objects.create(
        kind="visit",
        subject_type=ContentType.objects.get_for_model(customer),
        subject_id=customer.pk,
        customer=customer,
        owner=user,
        org_unit=user.org_unit,
        summary="Visited the CIO",
        occurred_at=when or timezone.now(),
        created_by=user,
    )


def age(registration, days: int) -> None:
    """Move a protection `days` into the past (it began and ends that much earlier)."""
    CustomerRegistration.objects.filter(pk=registration.pk).update(
        protected_until=registration.protected_until - dt.timedelta(days=days),
        renewed_at=registration.renewed_at - dt.timedelta(days=days),
    )


# --- register ------------------------------------------------------------------------------


@override_settings(CUSTOMER_REGISTRATION_DAYS=90)
def test_a_free_customer_is_protected_at_once_for_the_configured_period(org, customer):
    registration = registration_create(by=org.rep, customer=customer)
    assert registration.state == "protected"
    assert registration.owner == org.rep and registration.org_unit == org.gd_carrier
    assert registration.protected_until == timezone.localdate() + dt.timedelta(days=90)
    actions = set(AuditEvent.objects.filter(target_id=customer.pk).values_list("action", flat=True))
    assert "registration.protected" in actions


def test_a_protected_customer_is_a_400_naming_the_holder_and_the_date(org, customer):
    held = registration_create(by=org.rep, customer=customer)
    with pytest.raises(ValidationFailed) as refused:
        registration_create(by=org.teammate, customer=customer)
    assert refused.value.code == "registration_conflict"
    assert str(org.rep) in refused.value.message
    assert held.protected_until.isoformat() in refused.value.message
    assert CustomerRegistration.objects.count() == 1


def test_registering_what_one_holds_again_is_refused(org, customer):
    registration_create(by=org.rep, customer=customer)
    with pytest.raises(ValidationFailed) as refused:
        registration_create(by=org.rep, customer=customer)
    assert refused.value.code == "registration_exists"


def test_projects_are_protected_apart_but_the_whole_customer_covers_them(org, customer):
    mine = registration_create(by=org.rep, customer=customer, project="Smart grid 5G")
    theirs = registration_create(by=org.teammate, customer=customer, project="Data centre")
    assert mine.state == theirs.state == "protected"
    with pytest.raises(ValidationFailed):  # same project, spelled otherwise
        registration_create(by=org.teammate, customer=customer, project="  SMART grid ５G ")
    with pytest.raises(ValidationFailed):  # the whole customer collides with any project
        registration_create(by=org.manager, customer=customer)


def test_a_contested_registration_waits_for_a_ruling_and_the_managers_are_told(org, customer):
    # The government team's rep holds it (their director registered it for them); the carrier
    # team's rep contests.
    held = registration_create(by=org.director, customer=customer, owner=org.other_team_rep)
    assert held.org_unit == org.gd_gov
    contested = registration_create(by=org.rep, customer=customer, contest=True)
    assert contested.state == "pending_ruling" and contested.competing == held
    told = set(
        Notification.objects.filter(kind="registration.contested").values_list(
            "recipient__username", flat=True
        )
    )
    # The managers over both units: the office's director, not the carrier team's manager.
    assert told == {"director"}


# --- rule ----------------------------------------------------------------------------------


def test_a_manager_awards_the_protection_to_the_challenger(org, customer):
    held = registration_create(by=org.rep, customer=customer)
    contested = registration_create(by=org.teammate, customer=customer, contest=True)
    ruled = registration_rule(
        registration=contested, by=org.director, award="challenger", comment="Teammate led it"
    )
    held.refresh_from_db()
    assert ruled.state == "protected" and held.state == "rejected"
    assert ruled.ruled_by == org.director and ruled.ruling_comment == "Teammate led it"
    event = AuditEvent.objects.get(target_id=customer.pk, action="registration.ruled")
    assert event.actor == org.director and event.changes["awarded_to"] == str(org.teammate)


def test_a_manager_keeps_the_holder(org, customer):
    held = registration_create(by=org.rep, customer=customer)
    contested = registration_create(by=org.teammate, customer=customer, contest=True)
    ruled = registration_rule(registration=contested, by=org.manager, award="holder", comment="No")
    held.refresh_from_db()
    assert ruled.state == "rejected" and held.state == "protected"


def test_a_ruling_by_a_non_manager_is_refused(org, customer, api):
    registration_create(by=org.rep, customer=customer)
    contested = registration_create(by=org.teammate, customer=customer, contest=True)
    with pytest.raises(Forbidden):
        registration_rule(registration=contested, by=org.teammate, award="challenger", comment="x")
    response = api(org.rep).post(
        f"{URL}{contested.pk}/rule/", {"award": "challenger", "comment": "mine"}, format="json"
    )
    assert response.status_code == 403
    contested.refresh_from_db()
    assert contested.state == "pending_ruling"


def test_ruling_what_is_not_contested_is_a_409(org, customer):
    held = registration_create(by=org.rep, customer=customer)
    with pytest.raises(Conflict) as refused:
        registration_rule(registration=held, by=org.manager, award="holder", comment="x")
    assert refused.value.code == "registration_not_in_ruling"


def test_a_manager_outside_the_holders_unit_cannot_take_its_protection(org, customer):
    held = registration_create(by=org.director, customer=customer, owner=org.other_team_rep)
    contested = registration_create(by=org.rep, customer=customer, contest=True)
    with pytest.raises(Forbidden):  # the carrier team's manager is not over the gov team
        registration_rule(registration=contested, by=org.manager, award="challenger", comment="x")
    contested.refresh_from_db()
    held.refresh_from_db()
    assert contested.state == "pending_ruling" and held.state == "protected"
    registration_rule(registration=contested, by=org.director, award="challenger", comment="y")
    held.refresh_from_db()
    assert held.state == "rejected"


# --- renew and release ---------------------------------------------------------------------


def test_renewal_without_activity_is_a_400(org, customer, api):
    held = registration_create(by=org.rep, customer=customer)
    with pytest.raises(ValidationFailed) as refused:
        registration_renew(registration=held, by=org.rep)
    assert refused.value.code == "registration_no_activity"
    response = api(org.rep).post(f"{URL}{held.pk}/renew/")
    assert response.status_code == 400
    assert response.json()["code"] == "registration_no_activity"


def test_renewal_after_an_activity_extends_the_protection(org, customer):
    held = registration_create(by=org.rep, customer=customer)
    age(held, 30)
    held.refresh_from_db()
    visit(customer, org.rep)
    renewed = registration_renew(registration=held, by=org.rep)
    assert renewed.protected_until > held.protected_until
    assert renewed.last_activity_at is not None
    with pytest.raises(ValidationFailed):  # that activity counted once
        registration_renew(registration=renewed, by=org.rep)


def test_only_the_holder_renews(org, customer):
    held = registration_create(by=org.rep, customer=customer)
    visit(customer, org.rep)
    with pytest.raises(Forbidden):
        registration_renew(registration=held, by=org.manager)


def test_the_holder_or_a_manager_releases(org, customer):
    held = registration_create(by=org.rep, customer=customer)
    with pytest.raises(Forbidden):
        registration_release(registration=held, by=org.teammate)
    released = registration_release(registration=held, by=org.manager)
    assert released.state == "released"
    assert registration_create(by=org.teammate, customer=customer).state == "protected"


# --- expiry --------------------------------------------------------------------------------


def test_expiry_runs_exactly_once(org, customer):
    held = registration_create(by=org.rep, customer=customer)
    age(held, 100)
    assert registrations_expire() == 1
    held.refresh_from_db()
    assert held.state == "expired"
    notices = Notification.objects.filter(kind="registration.ended", recipient=org.rep)
    events = AuditEvent.objects.filter(action="registration.ended", target_id=customer.pk)
    assert notices.count() == 1 and events.count() == 1
    assert registrations_expire() == 0
    assert notices.count() == 1 and events.count() == 1
    held.refresh_from_db()
    assert held.state == "expired"


def test_a_worked_account_is_renewed_not_expired(org, customer):
    held = registration_create(by=org.rep, customer=customer)
    age(held, 100)
    visit(customer, org.rep, when=timezone.now() - dt.timedelta(days=20))
    assert registrations_expire() == 0
    held.refresh_from_db()
    assert held.state == "protected" and held.protected_until > timezone.localdate()


def test_a_protection_still_running_is_left_alone(org, customer):
    held = registration_create(by=org.rep, customer=customer)
    assert registrations_expire() == 0
    held.refresh_from_db()
    assert held.state == "protected"


def test_the_job_is_on_the_beat_hourly():
    from django.conf import settings

    entry = settings.CELERY_BEAT_SCHEDULE["accounts-expire-registrations"]
    assert entry["task"] == "accounts.tasks.registrations_expire"
    assert entry["schedule"] == 60 * 60


# --- API and access --------------------------------------------------------------------------


def test_api_register_conflict_contest_and_rule(org, customer, api):
    created = api(org.rep).post(URL, {"customer": customer.pk}, format="json")
    assert created.status_code == 201, created.json()
    assert created.json()["state"] == "protected"
    refused = api(org.teammate).post(URL, {"customer": customer.pk}, format="json")
    assert refused.status_code == 400
    body = refused.json()
    assert body["code"] == "registration_conflict" and "customer" in body["fields"]
    assert str(org.rep) in body["message"] and created.json()["protected_until"] in body["message"]
    contested = api(org.teammate).post(
        URL, {"customer": customer.pk, "contest": True}, format="json"
    )
    assert contested.status_code == 201 and contested.json()["state"] == "pending_ruling"
    pk = contested.json()["id"]
    listed = api(org.manager).get(URL, {"state": "pending_ruling"}).json()
    assert [row["id"] for row in listed["results"]] == [pk]
    assert listed["results"][0]["may_rule"] is True
    ruled = api(org.manager).post(
        f"{URL}{pk}/rule/", {"award": "challenger", "comment": "Teammate found it"}, format="json"
    )
    assert ruled.status_code == 200, ruled.json()
    assert ruled.json()["state"] == "protected"
    released = api(org.teammate).post(f"{URL}{pk}/release/")
    assert released.status_code == 200 and released.json()["state"] == "released"


def test_api_bad_input_is_a_400(org, customer, api):
    client = api(org.rep)
    assert client.post(URL, {}, format="json").status_code == 400
    assert client.post(URL, {"customer": "x"}, format="json").status_code == 400
    assert client.post(URL, {"customer": customer.pk, "project": "x" * 201}).status_code == 400
    held = registration_create(by=org.rep, customer=customer)
    bad = api(org.manager).post(f"{URL}{held.pk}/rule/", {"award": "nobody"}, format="json")
    assert bad.status_code == 400
    assert CustomerRegistration.objects.count() == 1


def test_registering_for_someone_out_of_scope_is_refused(org, customer, api):
    response = api(org.rep).post(
        URL, {"customer": customer.pk, "owner": org.teammate.pk}, format="json"
    )
    assert response.status_code == 400 and response.json()["code"] == "out_of_scope"
    assert "owner" in response.json()["fields"]
    ok = api(org.manager).post(
        URL, {"customer": customer.pk, "owner": org.teammate.pk}, format="json"
    )
    assert ok.status_code == 201 and ok.json()["owner"] == org.teammate.pk
    assert not CustomerRegistration.objects.filter(owner=org.rep).exists()


def test_a_customer_one_may_not_see_cannot_be_registered(org, api):
    hidden = CustomerFactory(owner=org.other_region_rep, org_unit=org.js_carrier)
    response = api(org.rep).post(URL, {"customer": hidden.pk}, format="json")
    assert response.status_code == 400
    assert not CustomerRegistration.objects.exists()


def test_finance_does_not_register(org, customer):
    with pytest.raises(Forbidden):
        registration_create(by=org.finance, customer=customer)


def test_the_list_is_scoped(org, customer, api):
    mine = registration_create(by=org.rep, customer=customer)
    other = CustomerFactory(owner=org.other_region_rep, org_unit=org.js_carrier)
    theirs = registration_create(by=org.other_region_rep, customer=other)

    def ids(user):
        return {row["id"] for row in api(user).get(URL).json()["results"]}

    assert ids(org.rep) == {mine.pk}
    assert ids(org.teammate) == {mine.pk}  # the team's records are visible
    assert ids(org.other_region_rep) == {theirs.pk}
    assert ids(org.director) == {mine.pk}
    assert ids(org.admin) == {mine.pk, theirs.pk}
    assert api(org.rep).get(f"{URL}{theirs.pk}/").status_code == 404
    assert api(org.rep).post(f"{URL}{theirs.pk}/release/").status_code == 404


# --- pages ---------------------------------------------------------------------------------


def test_the_registrations_page_lists_mine_and_those_to_rule(org, customer, browser_client):
    registration_create(by=org.rep, customer=customer, project="Smart grid")
    contested = registration_create(
        by=org.teammate, customer=customer, project="Smart grid", contest=True
    )
    page = browser_client(org.manager).get(reverse("accounts:registrations") + "?show=ruling")
    assert page.status_code == 200
    assert f"registration-{contested.pk}" in page.content.decode()
    ruled = browser_client(org.manager).post(
        reverse("accounts:registration-rule", args=[contested.pk]),
        {"award": "holder", "comment": "The rep was first"},
    )
    assert ruled.status_code == 302
    contested.refresh_from_db()
    assert contested.state == "rejected"


def test_the_customer_page_shows_who_holds_protection_and_offers_register(
    org, customer, browser_client
):
    client = browser_client(org.teammate)
    page = client.get(customer.get_absolute_url()).content.decode()
    assert reverse("accounts:registration-create", args=[customer.pk]) in page
    posted = client.post(reverse("accounts:registration-create", args=[customer.pk]), {})
    assert posted.status_code == 302
    page = browser_client(org.rep).get(customer.get_absolute_url()).content.decode()
    assert 'id="registrations"' in page and str(org.teammate) in page


def test_a_refused_page_action_says_why(org, customer, browser_client):
    registration_create(by=org.rep, customer=customer)
    client = browser_client(org.teammate)
    response = client.post(
        reverse("accounts:registration-create", args=[customer.pk]), {}, follow=True
    )
    assert str(org.rep) in response.content.decode()
    assert CustomerRegistration.objects.count() == 1


def test_the_pages_in_chinese(org, customer, browser_client):
    registration_create(by=org.rep, customer=customer)
    org.rep.language = "zh-hans"
    org.rep.save(update_fields=["language"])
    page = browser_client(org.rep).get(
        reverse("accounts:registrations"), HTTP_ACCEPT_LANGUAGE="zh-hans"
    )
    assert "客户报备" in page.content.decode()


def test_the_registration_page_is_404_outside_ones_scope(org, customer, browser_client):
    contested_for = registration_create(by=org.rep, customer=customer)
    url = contested_for.get_absolute_url()
    assert browser_client(org.rep).get(url).status_code == 200
    assert browser_client(org.other_region_rep).get(url).status_code == 404


def test_the_database_allows_one_protection_per_customer_and_project(org, customer):
    from django.db import IntegrityError, transaction

    held = registration_create(by=org.rep, customer=customer, project="Grid")
    twin = dict(
        customer=customer,
        owner=org.teammate,
        org_unit=org.gd_carrier,
        state="protected",
        protected_until=held.protected_until,
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        CustomerRegistration.objects.create(**twin, project=" grid ")
    CustomerRegistration.objects.create(**twin, project="Data centre")  # another project

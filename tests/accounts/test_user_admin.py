"""User administration through the API (issue 17.8, ADR 15): administrators create users with
an org unit and a role, move them, set their role, deactivate them (never delete), audited
with before and after; username and e-mail unique in the database; the password never
answered; reps and managers 403."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction

from accounts.models import User
from core.audit import timeline
from tests.factories import CustomerFactory, UserFactory, team

pytestmark = pytest.mark.django_db

URL = "/api/v1/users/"


def new_user(org, **values) -> dict:
    return {
        "username": "wang.fang",
        "email": "wang.fang@example.com",
        "first_name": "Fang",
        "last_name": "Wang",
        "role": "sales_rep",
        "org_unit": org.gd_gov.pk,
        "password": "a-long-secret-1",
        **values,
    }


def test_an_administrator_creates_a_user_with_unit_and_role(org, api):
    response = api(org.admin).post(URL, new_user(org), format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert "password" not in body
    assert (body["username"], body["role"], body["org_unit"], body["is_active"]) == (
        "wang.fang",
        "sales_rep",
        org.gd_gov.pk,
        True,
    )
    user = User.objects.get(username="wang.fang")
    assert user.check_password("a-long-secret-1")
    event = timeline(user).get()
    assert (event.action, event.actor, event.changes["org_unit"]) == (
        "created",
        org.admin,
        org.gd_gov.pk,
    )
    assert "password" not in event.changes


@pytest.mark.parametrize("role", ["rep", "manager", "director", "finance"])
def test_reps_and_managers_may_not_manage_users(org, api, role):
    client = api(getattr(org, role))
    assert client.post(URL, new_user(org), format="json").status_code == 403
    patched = client.patch(f"{URL}{org.teammate.pk}/", {"role": "admin"}, format="json")
    assert patched.status_code == 403
    assert patched.json()["code"]
    assert not User.objects.filter(username="wang.fang").exists()
    assert User.objects.get(pk=org.teammate.pk).role == "sales_rep"
    assert client.get(URL).status_code == 200  # the directory is still theirs to read


def test_no_user_is_deleted(org, api):
    assert api(org.admin).delete(f"{URL}{org.teammate.pk}/").status_code == 405
    assert User.objects.filter(pk=org.teammate.pk).exists()


def test_username_and_email_are_unique_with_a_400(org, api):
    twin = api(org.admin).post(URL, new_user(org, username="REP"), format="json")
    assert twin.status_code == 400 and "username" in twin.json()["fields"]
    same_mail = api(org.admin).post(URL, new_user(org, email="Rep@Example.com"), format="json")
    assert same_mail.status_code == 400 and "email" in same_mail.json()["fields"]
    assert not User.objects.filter(username="wang.fang").exists()


def test_the_database_refuses_a_second_user_with_the_same_email(org):
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create(username="x1", email="REP@example.com")
    User.objects.create(username="x2", email="")  # no address: any number
    User.objects.create(username="x3", email="")


def test_bad_input_is_a_400_and_writes_nothing(org, api):
    bad = api(org.admin).post(URL, new_user(org, role="king", org_unit=999999), format="json")
    assert bad.status_code == 400
    assert {"role", "org_unit"} <= set(bad.json()["fields"])
    assert not User.objects.filter(username="wang.fang").exists()


def test_an_administrator_moves_a_user_and_sets_their_role_audited(org, api):
    url = f"{URL}{org.teammate.pk}/"
    response = api(org.admin).patch(
        url, {"org_unit": org.js_carrier.pk, "role": "sales_manager"}, format="json"
    )
    assert response.status_code == 200, response.json()
    user = User.objects.get(pk=org.teammate.pk)
    assert (user.org_unit, user.role) == (org.js_carrier, "sales_manager")
    event = timeline(user).get()
    assert event.actor == org.admin
    assert event.changes == {
        "org_unit": [org.gd_carrier.pk, org.js_carrier.pk],
        "role": ["sales_rep", "sales_manager"],
    }


def test_deactivating_lists_what_the_user_still_holds(org, api):
    CustomerFactory(owner=org.teammate)
    team(ar=org.teammate, sr=org.sr)
    response = api(org.admin).patch(f"{URL}{org.teammate.pk}/", {"is_active": False}, format="json")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["is_active"] is False
    assert body["to_reassign"]["customers"] == 1
    assert body["to_reassign"]["team_seats"] == 1
    user = User.objects.get(pk=org.teammate.pk)
    assert not user.is_active
    assert timeline(user).get().action == "user.deactivated"
    # reactivated later: the inactive user is still reachable by the administrator
    back = api(org.admin).patch(f"{URL}{org.teammate.pk}/", {"is_active": True}, format="json")
    assert back.status_code == 200 and User.objects.get(pk=org.teammate.pk).is_active


def test_an_administrator_cannot_deactivate_themselves(org, api):
    response = api(org.admin).patch(f"{URL}{org.admin.pk}/", {"is_active": False}, format="json")
    assert response.status_code == 400
    assert User.objects.get(pk=org.admin.pk).is_active


def test_a_new_password_is_set_but_never_answered_or_audited(org, api):
    response = api(org.admin).patch(
        f"{URL}{org.teammate.pk}/", {"password": "another-secret-9"}, format="json"
    )
    assert response.status_code == 200
    assert "password" not in response.json()
    assert User.objects.get(pk=org.teammate.pk).check_password("another-secret-9")
    assert "another-secret-9" not in str(timeline(org.teammate).get().changes)


def test_a_user_without_a_password_signs_in_only_through_single_sign_on(org, api):
    body = new_user(org)
    body.pop("password")
    assert api(org.admin).post(URL, body, format="json").status_code == 201
    assert not User.objects.get(username="wang.fang").has_usable_password()


def test_users_factory_still_works(org):
    assert UserFactory().email

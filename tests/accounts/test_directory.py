"""The directory of colleagues (`/api/v1/users/`) shows what a picker needs; e-mail and phone
only to administrators, to a sales manager for their unit's subtree, and to oneself (ADR 13)."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db

DIRECTORY_FIELDS = {"id", "username", "name", "role", "org_unit", "title", "email", "phone"}


@pytest.fixture
def reachable(org):
    """Every user of the org with an e-mail address and a phone number on file."""
    for number, user in enumerate(vars(org).values()):
        if hasattr(user, "role"):
            user.email = f"{user.username}@example.com"
            user.phone = f"1380013{number:04d}"
            user.save(update_fields=["email", "phone"])
    return org


def contacts_seen(api, viewer) -> dict[str, str | None]:
    """username -> the e-mail `viewer` sees in the directory (None: withheld)."""
    rows = api(viewer).get("/api/v1/users/", {"page_size": 100}).json()["results"]
    seen = {}
    for row in rows:
        assert set(row) == DIRECTORY_FIELDS, row
        assert (row["email"] is None) == (row["phone"] is None)
        seen[row["username"]] = row["email"]
    return seen


def shown(seen: dict) -> set[str]:
    return {username for username, email in seen.items() if email is not None}


def test_a_rep_sees_names_and_units_but_only_their_own_contact_details(api, reachable):
    org = reachable
    seen = contacts_seen(api, org.rep)
    assert {"rep", "teammate", "manager", "js_rep", "admin"} <= set(seen)
    assert shown(seen) == {"rep"}
    assert seen["rep"] == "rep@example.com"
    assert shown(contacts_seen(api, org.finance)) == {"finance"}


def test_a_manager_sees_the_contact_details_of_their_subtree(api, reachable):
    org = reachable
    assert shown(contacts_seen(api, org.manager)) == {"rep", "teammate", "sr", "fr", "manager"}
    office = {"director", "rep", "teammate", "sr", "fr", "manager", "gov_rep"}
    assert shown(contacts_seen(api, org.director)) == office


def test_an_admin_sees_everyones_contact_details(api, reachable):
    org = reachable
    seen = contacts_seen(api, org.admin)
    assert shown(seen) == set(seen)
    assert seen["js_rep"] == "js_rep@example.com"


def test_one_colleague_and_me(api, reachable):
    org = reachable
    colleague = api(org.rep).get(f"/api/v1/users/{org.teammate.pk}/").json()
    assert colleague["name"] == org.teammate.get_full_name()
    assert colleague["email"] is None and colleague["phone"] is None
    by_manager = api(org.manager).get(f"/api/v1/users/{org.teammate.pk}/").json()
    assert by_manager["email"] == "teammate@example.com"

    me = api(org.rep).get("/api/v1/users/me/").json()
    assert me["email"] == "rep@example.com" and me["phone"]
    assert "language" in me

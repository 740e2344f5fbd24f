"""Races of configured roles on PostgreSQL (issue 20.1, ADR 12): a role given twenty times at
once is held once; roles given to one person at once all reach their compiled grants (the
user row is locked, then read); a role defined twenty times at once exists once."""

from __future__ import annotations

from collections import Counter

import pytest
from django.db import connection

from accounts.models import RoleAssignment, RoleDefinition
from accounts.services import role_create
from tests.trust.racing import race, stampede

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="real concurrency: PostgreSQL"),
]


def test_a_role_given_twenty_times_at_once_is_held_once(org, api):
    role = role_create(
        by=org.admin, data={"code": "viewer", "name_en": "Viewer", "permissions": ["leads.view"]}
    )
    body = {"user": org.rep.pk, "role": role.pk, "org_unit": org.gd_gov.pk, "scope": "team"}
    responses = stampede(
        lambda: api(org.admin).post("/api/v1/role-assignments/", body, format="json")
    )
    codes = Counter(
        (r.status_code, r.json().get("code") if r.status_code >= 400 else None) for r in responses
    )
    assert codes == Counter({(201, None): 1, (409, "duplicate_role_assignment"): 19})
    assert RoleAssignment.objects.count() == 1
    org.rep.refresh_from_db()
    assert len(org.rep.role_grants) == 1


def test_roles_given_to_one_person_at_once_all_reach_their_grants(org, api):
    roles = [
        role_create(
            by=org.admin, data={"code": f"r{i}", "name_en": f"R{i}", "permissions": ["leads.view"]}
        )
        for i in range(8)
    ]

    def give(role):
        body = {"user": org.rep.pk, "role": role.pk, "org_unit": org.gd_gov.pk, "scope": "team"}
        return lambda: api(org.admin).post("/api/v1/role-assignments/", body, format="json")

    responses = race(*[give(role) for role in roles])
    assert [r.status_code for r in responses] == [201] * 8
    org.rep.refresh_from_db()
    assert sorted(g["role"] for g in org.rep.role_grants) == sorted(r.code for r in roles)


def test_a_role_defined_twenty_times_at_once_exists_once(org, api):
    body = {"code": "auditor", "name_en": "Auditor", "permissions": ["leads.view"]}
    responses = stampede(lambda: api(org.admin).post("/api/v1/roles/", body, format="json"))
    codes = Counter(r.status_code for r in responses)
    assert codes == Counter({201: 1, 400: 19})
    assert RoleDefinition.objects.filter(code="auditor").count() == 1

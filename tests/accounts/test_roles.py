"""Roles as permission sets (issue 20.1): definitions, assignments, and what they grant."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps as django_apps
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import RoleAssignment, RoleDefinition
from accounts.services import role_assign, role_create
from core import permissions, policy
from core.audit import timeline
from core.choices import Role, RoleScope
from core.models import AuditEvent
from opportunities.models import Opportunity
from tests.factories import OpportunityFactory, UserFactory

ALL_VIEW = [f"{area}.view" for area in permissions.AREAS]


def define(org, code, perms, **extra):
    return role_create(
        by=org.admin, data={"code": code, "name_en": code.title(), "permissions": perms, **extra}
    )


def give(org, user, role, unit, scope):
    role_assign(by=org.admin, user=user, role=role, org_unit=unit, scope=scope)
    user.refresh_from_db()
    return user


# --- the catalogue -----------------------------------------------------------------------------


def test_every_registered_rule_is_a_permission_or_says_why_not():
    rules = set(policy.rule_names())
    labelled, refused = set(permissions.RULE_LABELS), set(permissions.NOT_GRANTABLE)
    assert rules == labelled | refused, "classify each new rule in core/permissions.py"
    assert not labelled & refused


def test_the_builtin_roles_are_seeded_as_read_only_descriptions_in_catalogue_terms(db):
    seed = importlib.import_module("accounts.migrations.0011_builtin_roles").seed
    seed(django_apps, None)  # data seeded by migrations may have been flushed by another test
    # The partner user's role (ADR 21), seeded with its own field.
    importlib.import_module("accounts.migrations.0015_user_portal_partner").seed(django_apps, None)
    builtin = RoleDefinition.objects.filter(builtin=True)
    assert sorted(builtin.values_list("code", flat=True)) == sorted(Role.values)
    for role in builtin:
        assert permissions.unknown(role.permissions) == [], role.code


# --- definitions through the API ---------------------------------------------------------------


def test_an_admin_defines_a_role_audited(org, api):
    body = {
        "code": "auditor",
        "name_en": "Auditor",
        "name_zh": "审计",
        "permissions": [*ALL_VIEW, "opportunities.view"],
    }
    response = api(org.admin).post(reverse("role-list"), body, format="json")
    assert response.status_code == 201, response.content
    role = RoleDefinition.objects.get(code="auditor")
    assert role.permissions == sorted(set(ALL_VIEW))
    assert not role.builtin
    assert timeline(role).filter(action="created").exists()


def test_an_unknown_permission_is_a_400_and_nothing_is_saved(org, api):
    before = RoleDefinition.objects.count()
    body = {"code": "bad", "name_en": "Bad", "permissions": ["leads.view", "leads.fly"]}
    response = api(org.admin).post(reverse("role-list"), body, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "unknown_permission"
    assert "permissions" in response.json()["fields"]
    assert RoleDefinition.objects.count() == before
    assert not AuditEvent.objects.filter(action="created", changes__code="bad").exists()


@pytest.mark.parametrize(
    "permission", ["users.administer", "roles.administer", "forecast.own_only"]
)
def test_permissions_kept_from_configured_roles_are_unknown(org, api, permission):
    body = {"code": "sneaky", "name_en": "Sneaky", "permissions": [permission]}
    response = api(org.admin).post(reverse("role-list"), body, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "unknown_permission"


def test_only_admins_write_roles_and_everyone_reads_them(org, api):
    body = {"code": "x", "name_en": "X", "permissions": []}
    assert api(org.manager).post(reverse("role-list"), body, format="json").status_code == 403
    role = define(org, "presales", ["opportunities.view"])
    url = reverse("role-detail", args=[role.pk])
    assert api(org.rep).get(url).json()["name"] == "Presales"
    assert api(org.rep).patch(url, {"name_en": "Y"}, format="json").status_code == 403
    assert api(org.rep).delete(url).status_code == 403
    catalogue = api(org.rep).get(reverse("role-catalogue")).json()
    assert "opportunities.change" in {row["code"] for row in catalogue}


def test_a_builtin_role_is_read_only(org, api):
    role = RoleDefinition.objects.create(code="finance-copy", name_en="F", builtin=True)
    url = reverse("role-detail", args=[role.pk])
    response = api(org.admin).patch(url, {"permissions": ["leads.view"]}, format="json")
    assert response.status_code == 403
    assert response.json()["code"] == "role_builtin"
    assert api(org.admin).delete(url).status_code == 403


def test_changing_a_role_is_audited_before_and_after_and_reaches_its_holders(org, api):
    role = define(org, "auditor", ["opportunities.view"])
    give(org, org.other_region_rep, role, org.hq, RoleScope.COMPANY)
    url = reverse("role-detail", args=[role.pk])
    response = api(org.admin).patch(
        url, {"permissions": ["opportunities.view", "leads.view"]}, format="json"
    )
    assert response.status_code == 200, response.content
    event = timeline(role).get(action="updated")
    assert event.changes["permissions"] == [
        ["opportunities.view"],
        ["leads.view", "opportunities.view"],
    ]
    org.other_region_rep.refresh_from_db()
    assert "leads.view" in org.other_region_rep.role_grants[0]["permissions"]


def test_a_role_people_hold_is_not_deleted(org, api):
    role = define(org, "auditor", ["opportunities.view"])
    give(org, org.rep, role, org.gd, RoleScope.TEAM)
    response = api(org.admin).delete(reverse("role-detail", args=[role.pk]))
    assert response.status_code == 409
    assert response.json()["code"] == "role_in_use"
    RoleAssignment.objects.all().delete()
    assert api(org.admin).delete(reverse("role-detail", args=[role.pk])).status_code == 204
    assert AuditEvent.objects.filter(action="role.deleted", target_id=role.pk).exists()


# --- assignments through the API ---------------------------------------------------------------


def test_a_manager_gives_configured_roles_within_their_subtree_only(org, api):
    role = define(org, "presales", ["opportunities.view", "opportunities.change"])
    url = reverse("roleassignment-list")
    inside = {"user": org.teammate.pk, "role": role.pk, "org_unit": org.gd_carrier.pk}
    ok = api(org.manager).post(url, {**inside, "scope": "team"}, format="json")
    assert ok.status_code == 201, ok.content
    twin = api(org.manager).post(url, {**inside, "scope": "own"}, format="json")
    assert twin.status_code == 409
    assert twin.json()["code"] == "duplicate_role_assignment"
    outside = {"user": org.teammate.pk, "role": role.pk, "org_unit": org.js_carrier.pk}
    refused = api(org.manager).post(url, {**outside, "scope": "team"}, format="json")
    assert refused.status_code == 400
    assert "org_unit" in refused.json()["fields"]
    company = api(org.manager).post(
        url, {**inside, "org_unit": org.gd_carrier.pk, "scope": "company"}, format="json"
    )
    assert company.status_code in (400, 409)
    stranger = {"user": org.other_region_rep.pk, "role": role.pk, "org_unit": org.gd_carrier.pk}
    assert (
        api(org.manager).post(url, {**stranger, "scope": "own"}, format="json").status_code == 400
    )
    assert api(org.rep).post(url, {**inside, "scope": "team"}, format="json").status_code == 403
    assert RoleAssignment.objects.count() == 1


def test_builtin_roles_and_bad_scopes_are_not_given(org, api):
    builtin = RoleDefinition.objects.create(code="builtin-x", name_en="B", builtin=True)
    url = reverse("roleassignment-list")
    body = {"user": org.rep.pk, "role": builtin.pk, "org_unit": org.gd.pk, "scope": "team"}
    response = api(org.admin).post(url, body, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "role_not_assignable"
    role = define(org, "r", ["leads.view"])
    bad = api(org.admin).post(url, {**body, "role": role.pk, "scope": "galaxy"}, format="json")
    assert bad.status_code == 400
    assert RoleAssignment.objects.count() == 0


def test_giving_and_taking_back_is_audited_on_the_person_with_before_and_after(org, api):
    role = define(org, "auditor", ALL_VIEW)
    url = reverse("roleassignment-list")
    body = {"user": org.rep.pk, "role": role.pk, "org_unit": org.hq.pk, "scope": "company"}
    created = api(org.admin).post(url, body, format="json").json()
    given = timeline(org.rep).get(action="role.assigned")
    assert given.changes["roles"] == [[], ["auditor@hq:company"]]
    org.rep.refresh_from_db()
    assert org.rep.role_grants[0]["scope"] == "company"
    deleted = api(org.admin).delete(reverse("roleassignment-detail", args=[created["id"]]))
    assert deleted.status_code == 204
    taken = timeline(org.rep).get(action="role.unassigned")
    assert taken.changes["roles"] == [["auditor@hq:company"], []]
    org.rep.refresh_from_db()
    assert org.rep.role_grants == []


def test_people_see_their_own_assignments_and_managers_their_subtree(org, api):
    role = define(org, "auditor", ALL_VIEW)
    give(org, org.rep, role, org.gd_carrier, RoleScope.TEAM)
    give(org, org.other_region_rep, role, org.js_carrier, RoleScope.TEAM)
    url = reverse("roleassignment-list")

    def users_listed(user):
        return {row["user"] for row in api(user).get(url).json()["results"]}

    assert users_listed(org.rep) == {org.rep.pk}
    assert users_listed(org.teammate) == set()
    assert users_listed(org.manager) == {org.rep.pk}
    assert users_listed(org.admin) == {org.rep.pk, org.other_region_rep.pk}


# --- what roles grant --------------------------------------------------------------------------


def test_an_auditor_sees_everything_in_the_company_and_changes_nothing(org, api):
    auditor = UserFactory(username="auditor", role=Role.SALES_REP, org_unit=org.js_carrier)
    role = define(org, "auditor", ALL_VIEW)
    give(org, auditor, role, org.hq, RoleScope.COMPANY)
    deal = OpportunityFactory(owner=org.rep)
    listed = api(auditor).get(reverse("opportunity-list")).json()["results"]
    assert deal.pk in {row["id"] for row in listed}
    detail = reverse("opportunity-detail", args=[deal.pk])
    assert api(auditor).get(detail).status_code == 200
    assert api(auditor).patch(detail, {"name": "Audited"}, format="json").status_code == 403
    assert not policy.can(auditor, deal, "change")
    deal.refresh_from_db()
    assert deal.name != "Audited"


def test_a_presales_engineer_changes_the_deals_of_the_team_they_serve(org, api):
    presales = UserFactory(username="presales", role=Role.SOLUTION_MANAGER, org_unit=org.js)
    role = define(org, "presales", ["opportunities.view", "opportunities.change"])
    give(org, presales, role, org.gd_gov, RoleScope.TEAM)
    served = OpportunityFactory(owner=org.other_team_rep)
    other = OpportunityFactory(owner=org.rep)
    assert policy.can(presales, served, "change")
    response = api(presales).patch(
        reverse("opportunity-detail", args=[served.pk]), {"name": "Tuned"}, format="json"
    )
    assert response.status_code == 200, response.content
    assert not policy.can(presales, other, "view")
    assert api(presales).get(reverse("opportunity-detail", args=[other.pk])).status_code == 404


def test_two_roles_in_two_units_see_the_union(org):
    user = UserFactory(username="two_hats", role=Role.SALES_REP, org_unit=org.gd_carrier)
    view = define(org, "viewer", ["opportunities.view"])
    change = define(org, "changer", ["opportunities.change"])
    give(org, user, view, org.gd_gov, RoleScope.TEAM)
    give(org, user, change, org.east, RoleScope.SUBTREE)
    own = OpportunityFactory(owner=user)
    gov = OpportunityFactory(owner=org.other_team_rep)
    js = OpportunityFactory(owner=org.other_region_rep)
    mate = OpportunityFactory(owner=org.teammate)
    elsewhere = OpportunityFactory(owner=UserFactory(org_unit=org.south))
    seen = set(policy.restrict(Opportunity.objects.all(), user, "view"))
    assert seen == {own, gov, js, mate}
    changeable = set(policy.restrict(Opportunity.objects.all(), user, "change"))
    assert changeable == {own, js}
    assert elsewhere not in seen


def test_a_named_permission_from_a_role_holds_within_its_scope(org):
    user = UserFactory(username="approver", role=Role.SALES_REP, org_unit=org.gd_carrier)
    assert not policy.may(user, "contracts.suspend_or_terminate")
    role = define(org, "approver", ["contracts.suspend_or_terminate", "customers.merge"])
    give(org, user, role, org.gd_gov, RoleScope.TEAM)
    assert policy.may(user, "contracts.suspend_or_terminate")
    inside = OpportunityFactory(owner=org.other_team_rep).customer
    outside = OpportunityFactory(owner=org.other_region_rep).customer
    assert policy.may(user, "customers.merge", inside)
    assert not policy.may(user, "customers.merge", outside)


def test_a_list_for_a_multi_role_user_costs_the_queries_of_a_plain_reps(org, api):
    plain = UserFactory(username="plain", role=Role.SALES_REP, org_unit=org.gd_carrier)
    multi = UserFactory(username="multi", role=Role.SALES_REP, org_unit=org.gd_carrier)
    give(org, multi, define(org, "a", ["opportunities.view"]), org.gd_gov, RoleScope.TEAM)
    give(org, multi, define(org, "b", ["opportunities.change"]), org.east, RoleScope.SUBTREE)
    give(org, multi, define(org, "c", ["opportunities.view"]), org.hq, RoleScope.OWN)
    for owner in (plain, multi, org.other_team_rep, org.other_region_rep) * 2:
        OpportunityFactory(owner=owner)
    url = reverse("opportunity-list")

    def queries(user) -> tuple[int, int]:
        client = api(user)
        client.get(url)  # warm caches (content types, stage probabilities)
        with CaptureQueriesContext(connection) as captured:
            rows = client.get(url).json()["results"]
        return len(captured), len(rows)

    plain_queries, plain_rows = queries(plain)
    multi_queries, multi_rows = queries(multi)
    assert multi_rows > plain_rows  # the roles show more rows ...
    assert multi_queries == plain_queries  # ... at the same number of queries


# --- pages -------------------------------------------------------------------------------------


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_the_roles_pages_in_both_languages(org, client, language):
    role = define(org, "presales", ["opportunities.view", "prices.approve"], name_zh="售前")
    give(org, org.rep, role, org.gd_carrier, RoleScope.TEAM)
    client.force_login(org.admin)
    client.cookies["django_language"] = language
    listed = client.get(reverse("roles:list"), HTTP_ACCEPT_LANGUAGE=language)
    assert listed.status_code == 200
    assert ("售前" if language == "zh-hans" else "Presales") in listed.text
    edit = client.get(reverse("roles:edit", args=[role.pk]), HTTP_ACCEPT_LANGUAGE=language)
    assert edit.status_code == 200
    assert 'value="prices.approve" checked' in edit.text


def test_an_admin_defines_a_role_on_the_page_and_a_manager_gives_it(org, client):
    client.force_login(org.admin)
    response = client.post(
        reverse("roles:new"),
        {"code": "presales", "name_en": "Presales", "permissions": ["opportunities.view"]},
    )
    assert response.status_code == 302, response.content
    role = RoleDefinition.objects.get(code="presales")
    client.force_login(org.manager)
    body = {"user": org.teammate.pk, "role": role.pk, "org_unit": org.gd_carrier.pk}
    assert client.post(reverse("roles:list"), {**body, "scope": "team"}).status_code == 302
    assignment = RoleAssignment.objects.get()
    remove = client.post(reverse("roles:assignment-remove", args=[assignment.pk]))
    assert remove.status_code == 302
    assert not RoleAssignment.objects.exists()


def test_a_rep_reads_roles_but_neither_defines_nor_gives_them(org, client):
    role = define(org, "presales", ["opportunities.view"])
    client.force_login(org.rep)
    assert client.get(reverse("roles:list")).status_code == 200
    assert client.get(reverse("roles:new")).status_code == 403
    body = {"code": "x", "name_en": "X", "permissions": []}
    assert client.post(reverse("roles:edit", args=[role.pk]), body).status_code == 403
    body = {"user": org.rep.pk, "role": role.pk, "org_unit": org.gd_carrier.pk, "scope": "own"}
    assert client.post(reverse("roles:list"), body).status_code == 403
    assert not RoleAssignment.objects.exists()


def test_the_user_admin_page_shows_a_users_roles(org, client):
    role = define(org, "presales", ["opportunities.view"], name_en="Presales engineer")
    give(org, org.rep, role, org.gd_carrier, RoleScope.TEAM)
    client.force_login(org.admin)
    page = client.get(reverse("admin:accounts_user_change", args=[org.rep.pk]))
    assert page.status_code == 200
    assert "Presales engineer" in page.text


def test_a_role_that_creates_in_another_team_files_records_there(org, api):
    body = {"name": "Port authority", "org_unit": org.gd_gov.pk, "owner": org.rep.pk}
    refused = api(org.rep).post(reverse("customer-list"), body, format="json")
    assert refused.status_code == 400 and "org_unit" in refused.json()["fields"]
    role = define(org, "channel", ["customers.create", "customers.view"])
    give(org, org.rep, role, org.gd_gov, RoleScope.TEAM)
    created = api(org.rep).post(reverse("customer-list"), body, format="json")
    assert created.status_code == 201, created.content
    elsewhere = {**body, "name": "Harbour board", "org_unit": org.js_carrier.pk}
    assert api(org.rep).post(reverse("customer-list"), elsewhere, format="json").status_code == 400


def test_giving_a_role_reads_as_a_sentence_in_both_languages(org):
    from django.utils import translation

    from core.timeline import describe_events

    give(org, org.rep, define(org, "auditor", ALL_VIEW), org.hq, RoleScope.COMPANY)
    events = list(timeline(org.rep).filter(action="role.assigned"))
    with translation.override("zh-hans"):
        described = describe_events(events)[0]
        assert "角色已授予" in described.sentence
        assert any("自定义角色" in d and "auditor@hq:company" in d for d in described.details)

"""Property: random role definitions and assignments never grant more than they say (issue 20.1).

A small world (the `org` fixture's tree, customers, leads and opportunities owned across it,
quotes under the opportunities) is built once per test; hypothesis then draws role definitions
(any view/change permissions on four areas, plus named rules) and assignments (any unit, any
scope) for a few people, compiles them onto the users as the services do, and compares
`policy.restrict()` and `policy.may()` with a brute force over the rows: the built-in role's
rows, plus, for each assignment granting the permission, the rows its scope reaches.
"""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounts.models import Customer, IronTriangleMember, OrgUnit, User
from core import policy
from core.choices import Role, RoleScope
from leads.models import Lead
from opportunities.models import Opportunity, Quote
from tests.factories import CustomerFactory, LeadFactory, OpportunityFactory, UserFactory

ACTIONS = ("view", "change", "export", "see_amounts")
AREAS = {"customers": Customer, "leads": Lead, "opportunities": Opportunity, "quotes": Quote}
PERMISSIONS = [f"{area}.{action}" for area in AREAS for action in ACTIONS]
RULES = ["customers.merge", "contracts.suspend_or_terminate"]
SCOPES = list(RoleScope.values)


@pytest.fixture
def world(org):
    units = list(OrgUnit.objects.order_by("pk"))
    people = [org.rep, org.teammate, org.other_team_rep, org.other_region_rep, org.finance]
    # Someone from each corner of the tree owns records of each kind; unowned pool leads too.
    for owner in people[:4] + [UserFactory(org_unit=org.south)]:
        deal = OpportunityFactory(owner=owner)
        Quote.objects.create(opportunity=deal, currency=deal.currency, created_by=owner)
        LeadFactory(owner=owner)
        CustomerFactory(owner=owner)
    LeadFactory(owner=None, org_unit=org.gd_carrier)
    LeadFactory(owner=None, org_unit=org.js_carrier)
    # One deal with the finance user on its team (the "own" scope follows seats too).
    seated = OpportunityFactory(owner=org.other_region_rep)
    IronTriangleMember.objects.create(team=seated.team, user=org.finance, role="member")
    return SimpleNamespace(org=org, units=units, people=people)


grant = st.fixed_dictionaries(
    {
        "permissions": st.lists(st.sampled_from(PERMISSIONS + RULES), unique=True, max_size=5),
        "unit": st.integers(min_value=0, max_value=7),
        "scope": st.sampled_from(SCOPES),
    }
)


def compile_grants(drawn: list[dict], units: list[OrgUnit]) -> list[dict]:
    """As `accounts.services.roles.grants_compile` writes them."""
    return [
        {
            "role": f"r{i}",
            "permissions": g["permissions"],
            "scope": g["scope"],
            "unit": units[g["unit"] % len(units)].pk,
            "path": units[g["unit"] % len(units)].path,
        }
        for i, g in enumerate(drawn)
    ]


def reached(row_unit: OrgUnit | None, owned: bool, g: dict) -> bool:
    """Whether one assignment's scope reaches a row: the brute force, in Python."""
    if g["scope"] == RoleScope.COMPANY:
        return True
    if g["scope"] == RoleScope.OWN:
        return owned
    if row_unit is None:
        return False
    if g["scope"] == RoleScope.TEAM:
        return row_unit.pk == g["unit"]
    return row_unit.path.startswith(g["path"])


def root_of(row):
    """The record whose owner, unit and team decide a row's scope (a quote's opportunity)."""
    return row.opportunity if isinstance(row, Quote) else row


def is_owned(user: User, row) -> bool:
    root = root_of(row)
    if getattr(root, "owner_id", None) == user.pk:
        return True
    team_id = getattr(root, "team_id", None)
    return bool(team_id) and IronTriangleMember.objects.filter(team_id=team_id, user=user).exists()


def expected(user: User, model, action: str) -> set[int]:
    plain = User.objects.get(pk=user.pk)
    plain.role_grants = []
    # Built-in roles export, and see the amounts of, what they view.
    builtin_action = "view" if action in ("export", "see_amounts") else action
    builtin = set(
        policy.restrict(model.objects.all(), plain, builtin_action).values_list("pk", flat=True)
    )
    area = policy.area_of(model)
    wanted = {
        "change": {f"{area}.change"},
        "export": {f"{area}.export"},
        "see_amounts": {f"{area}.see_amounts"},
        "view": {f"{area}.view", f"{area}.change"},
    }[action]
    grants = [g for g in user.role_grants if wanted & set(g["permissions"])]
    extra = set()
    for row in model.objects.all():
        root = root_of(row)
        unit = root.org_unit
        if any(reached(unit, is_owned(user, row), g) for g in grants):
            extra.add(row.pk)
    return builtin | extra


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(drawn=st.lists(st.lists(grant, max_size=3), min_size=5, max_size=5))
def test_random_roles_never_grant_more_than_they_say(world, drawn):
    for person, grants in zip(world.people, drawn, strict=True):
        person.role_grants = compile_grants(grants, world.units)
        for model in AREAS.values():
            for action in ACTIONS:
                got = set(
                    policy.restrict(model.objects.all(), person, action).values_list(
                        "pk", flat=True
                    )
                )
                assert got == expected(person, model, action), (person, model, action)
            # The rows of a page whose amounts show: those of the "see_amounts" action.
            viewed = expected(person, model, "view")
            shown = policy.amount_visible_ids(model.objects.all(), person, viewed)
            want = viewed & expected(person, model, "see_amounts")
            assert (viewed if shown is None else shown) == want, (person, model)
        customers = list(Customer.objects.select_related("org_unit"))
        plain = User.objects.get(pk=person.pk)
        plain.role_grants = []
        for customer in customers:
            holding = [g for g in person.role_grants if "customers.merge" in g["permissions"]]
            want = policy.may(plain, "customers.merge", customer) or any(
                reached(customer.org_unit, customer.owner_id == person.pk, g) for g in holding
            )
            assert policy.may(person, "customers.merge", customer) == want


def test_the_finance_user_is_in_the_world(world):
    """The builtin oracle is not trivially empty: finance and reps see different things."""
    assert world.org.finance.role == Role.FINANCE
    assert Opportunity.objects.count() >= 6

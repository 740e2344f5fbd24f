"""People pickers list only the people eligible for the choice (active, a role fitting the
seat, within the access policy's scope for the write), sorted by name and marked for the
type-ahead; one person is refused two iron-triangle seats unless the company allows it."""

import re

import pytest

from core.choices import Role
from tests.factories import ContractFactory, LeadFactory, OpportunityFactory, UserFactory, team

pytestmark = pytest.mark.django_db


def _options(page: str, name: str) -> list[str]:
    select = re.search(rf'<select name="{name}"[^>]*>(.*?)</select>', page, re.S)
    assert select, f"no select {name}"
    return [
        label
        for value, label in re.findall(r'<option value="([^"]*)"[^>]*>([^<]*)<', select[1])
        if value
    ]


def _select_tag(page: str, name: str) -> str:
    return re.search(rf'<select name="{name}"[^>]*>', page)[0]


@pytest.fixture
def people(org):
    """More solution managers: in the office (sorted by name, not by username), inactive,
    and in another region."""
    return {
        "zed": UserFactory(
            username="a_zed",
            first_name="Zed",
            last_name="Zhou",
            role=Role.SOLUTION_MANAGER,
            org_unit=org.gd_gov,
        ),
        "amy": UserFactory(
            username="z_amy",
            first_name="Amy",
            last_name="An",
            role=Role.SOLUTION_MANAGER,
            org_unit=org.gd_carrier,
        ),
        "gone": UserFactory(
            username="gone",
            first_name="Gone",
            last_name="Away",
            role=Role.SOLUTION_MANAGER,
            org_unit=org.gd_carrier,
            is_active=False,
        ),
        "far": UserFactory(
            username="far",
            first_name="Far",
            last_name="Away",
            role=Role.SOLUTION_MANAGER,
            org_unit=org.js_carrier,
        ),
    }


def test_the_team_page_lists_eligible_people_by_name(org, client, people):
    opportunity = OpportunityFactory(owner=org.rep, team=team(ar=org.rep))
    client.force_login(org.rep)
    page = client.get(f"/opportunities/{opportunity.pk}/team/").content.decode()
    sr = _options(page, "sr")
    assert sr == sorted(sr, key=str.lower)
    assert sr.index("Amy An") < sr.index("Zed Zhou")  # by name, not by username
    assert str(org.sr) in sr and str(org.manager) in sr
    for outsider in (people["gone"], people["far"], org.fr, org.teammate, org.finance):
        assert str(outsider) not in sr
    fr = _options(page, "fr")
    assert str(org.fr) in fr and str(org.sr) not in fr
    assert _options(page, "ar") == [str(org.rep)]  # a rep may make only themselves the AR
    assert 'data-picker="Type a name to find them"' in _select_tag(page, "sr")


def test_a_manager_may_give_the_ar_seat_to_the_people_of_their_subtree(org, client):
    opportunity = OpportunityFactory(owner=org.rep, team=team(ar=org.rep))
    client.force_login(org.manager)
    ar = _options(client.get(f"/opportunities/{opportunity.pk}/team/").content.decode(), "ar")
    assert str(org.teammate) in ar and str(org.other_region_rep) not in ar
    assert str(org.sr) not in ar  # not a role for the AR seat


def test_a_seat_holder_of_another_role_stays_listed(org, client):
    opportunity = OpportunityFactory(owner=org.rep, team=team(ar=org.rep, sr=org.teammate))
    client.force_login(org.rep)
    page = client.get(f"/opportunities/{opportunity.pk}/team/").content.decode()
    assert str(org.teammate) in _options(page, "sr")


def test_owner_pickers_are_sorted_and_searchable(org, client):
    lead = LeadFactory(owner=org.rep)
    client.force_login(org.manager)
    page = client.get(f"/leads/{lead.pk}/").content.decode()
    owners = _options(page, "assign-owner")
    assert owners == sorted(owners, key=str.lower) and str(org.other_region_rep) not in owners
    assert "data-picker" in _select_tag(page, "assign-owner")
    contract = ContractFactory(owner=org.rep, team=team(ar=org.rep, sr=org.sr))
    form = client.get(f"/contracts/{contract.pk}/deliverables/new/").content.decode()
    assert "data-picker" in _select_tag(form, "owner")
    assert str(org.other_region_rep) not in _options(form, "owner")


def test_the_team_page_refuses_one_person_in_two_seats(org, client):
    opportunity = OpportunityFactory(owner=org.manager, team=team(ar=org.manager))
    client.force_login(org.manager)
    response = client.post(
        f"/opportunities/{opportunity.pk}/team/", {"ar": org.manager.pk, "sr": org.manager.pk}
    )
    assert response.status_code == 200
    assert "already holds the seat Account responsible (AR)" in response.content.decode()
    assert opportunity.team.sr is None


def test_the_company_may_allow_shared_seats(org, client, settings):
    settings.IRON_TRIANGLE_SHARED_SEATS = True
    opportunity = OpportunityFactory(owner=org.manager, team=team(ar=org.manager))
    client.force_login(org.manager)
    response = client.post(
        f"/opportunities/{opportunity.pk}/team/", {"ar": org.manager.pk, "sr": org.manager.pk}
    )
    assert response.status_code == 302
    assert opportunity.team.sr == org.manager


@pytest.mark.parametrize("kind", ["opportunities", "contracts"])
def test_the_api_refuses_one_person_in_two_seats(org, api, kind):
    factory = OpportunityFactory if kind == "opportunities" else ContractFactory
    record = factory(owner=org.rep, team=team(ar=org.rep, sr=org.sr))
    url = f"/api/v1/{kind}/{record.pk}/team/"
    response = api(org.rep).put(url, {"fr": org.sr.pk}, format="json")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "seat_held_twice" and set(body) == {"code", "message", "fields"}
    assert list(body["fields"]) == ["fr"]
    assert record.team.fr is None
    assert api(org.rep).put(url, {"fr": org.fr.pk}, format="json").status_code == 200


def test_the_api_allows_shared_seats_when_the_company_does(org, api, settings):
    settings.IRON_TRIANGLE_SHARED_SEATS = True
    opportunity = OpportunityFactory(owner=org.rep, team=team(ar=org.rep, sr=org.sr))
    response = api(org.rep).put(
        f"/api/v1/opportunities/{opportunity.pk}/team/", {"fr": org.sr.pk}, format="json"
    )
    assert response.status_code == 200
    assert opportunity.team.fr == org.sr


def test_a_new_opportunity_refuses_its_owner_in_another_seat(org, api):
    customer = OpportunityFactory(owner=org.manager).customer
    response = api(org.manager).post(
        "/api/v1/opportunities/",
        {"name": "Twice", "customer": customer.pk, "amount": "100.00", "sr": org.manager.pk},
        format="json",
    )
    assert response.status_code == 400 and response.json()["code"] == "seat_held_twice"

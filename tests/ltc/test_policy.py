"""Row-level access through the API: a rep sees their own and their team's records, a manager
their unit's subtree, finance what finance needs; nobody reads or changes what is not theirs."""

import pytest

from tests.factories import ContractFactory, LeadFactory, OpportunityFactory, team

pytestmark = pytest.mark.django_db


def ids(response) -> set[int]:
    assert response.status_code == 200, response.json()
    return {row["id"] for row in response.json()["results"]}


@pytest.fixture
def leads(org):
    return {
        "mine": LeadFactory(owner=org.rep),
        "teammates": LeadFactory(owner=org.teammate),
        "pool": LeadFactory(owner=None, org_unit=org.gd_carrier),
        "other_team": LeadFactory(owner=org.other_team_rep),
        "other_region": LeadFactory(owner=org.other_region_rep),
    }


@pytest.mark.parametrize(
    ("who", "visible"),
    [
        ("rep", {"mine", "teammates", "pool"}),
        ("other_team_rep", {"other_team"}),
        ("manager", {"mine", "teammates", "pool"}),
        ("director", {"mine", "teammates", "pool", "other_team"}),
        ("other_region_manager", {"other_region"}),
        ("finance", set()),
        ("admin", {"mine", "teammates", "pool", "other_team", "other_region"}),
    ],
)
def test_who_sees_which_leads(org, api, leads, who, visible):
    seen = ids(api(getattr(org, who)).get("/api/v1/leads/"))
    assert seen == {leads[name].pk for name in visible}


def test_guessing_the_id_of_someone_elses_record_is_404(org, api, leads):
    client = api(org.rep)
    for name in ("other_team", "other_region"):
        lead = leads[name]
        assert client.get(f"/api/v1/leads/{lead.pk}/").status_code == 404
        assert (
            client.patch(f"/api/v1/leads/{lead.pk}/", {"title": "x"}, format="json").status_code
            == 404
        )
        assert (
            client.post(
                f"/api/v1/leads/{lead.pk}/transitions/disqualify/", {"reason": "x"}, format="json"
            ).status_code
            == 404
        )
        assert client.get(f"/api/v1/leads/{lead.pk}/timeline/").status_code == 404


def test_a_teammates_record_is_visible_but_not_changeable(org, api, leads):
    client = api(org.rep)
    lead = leads["teammates"]
    assert client.get(f"/api/v1/leads/{lead.pk}/").status_code == 200
    assert (
        client.patch(f"/api/v1/leads/{lead.pk}/", {"title": "x"}, format="json").status_code == 403
    )


def test_the_team_pool_is_worked_by_every_member(org, api, leads):
    lead = leads["pool"]
    response = api(org.teammate).post(
        f"/api/v1/leads/{lead.pk}/transitions/start_verification/", {}, format="json"
    )
    assert response.status_code == 200


def test_iron_triangle_seats_open_an_opportunity_to_their_holders(org, api):
    opportunity = OpportunityFactory(
        owner=org.other_team_rep, team=team(ar=org.other_team_rep, sr=org.sr, fr=org.fr)
    )
    assert opportunity.pk in ids(api(org.sr).get("/api/v1/opportunities/"))
    assert opportunity.pk not in ids(api(org.rep).get("/api/v1/opportunities/"))


def test_finance_reads_contracts_of_its_region_but_cannot_edit_them(org, api):
    south = ContractFactory(owner=org.rep)
    east = ContractFactory(owner=org.other_region_rep)
    client = api(org.finance)
    assert ids(client.get("/api/v1/contracts/")) == {south.pk}
    assert (
        client.patch(f"/api/v1/contracts/{south.pk}/", {"title": "x"}, format="json").status_code
        == 403
    )
    assert client.get(f"/api/v1/contracts/{east.pk}/").status_code == 404


def test_related_ids_out_of_reach_are_refused_as_unknown(org, api):
    other = LeadFactory(owner=org.other_region_rep)
    response = api(org.rep).post(
        "/api/v1/opportunities/from-lead/", {"lead": other.pk}, format="json"
    )
    assert response.status_code == 400
    assert "lead" in response.json()["fields"]


def test_pages_follow_the_same_policy(org, client, leads):
    client.force_login(org.rep)
    assert client.get(leads["teammates"].get_absolute_url()).status_code == 200
    assert client.get(leads["other_region"].get_absolute_url()).status_code == 404
    listing = client.get("/leads/").content.decode()
    assert leads["mine"].title in listing and leads["other_team"].title not in listing
    assert client.get(f"/leads/{leads['teammates'].pk}/edit/").status_code == 404

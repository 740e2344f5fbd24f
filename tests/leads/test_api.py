"""The lead API beyond CRUD: board, export, search and filters, query counts, and the policy on
every one of them."""

import csv
import io

import pytest

from leads.models import Lead
from tests.factories import CustomerFactory, LeadFactory

pytestmark = pytest.mark.django_db


def read_csv(response) -> list[list[str]]:
    content = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(content)))


@pytest.fixture
def leads(org):
    made = {
        "mine": LeadFactory(owner=org.rep, title="5G port network", score=50),
        "teammates": LeadFactory(owner=org.teammate, title="Campus Wi-Fi", score=70),
        "pool": LeadFactory(owner=None, org_unit=org.gd_carrier, title="IoT meters", score=10),
        "other_team": LeadFactory(owner=org.other_team_rep, title="Hospital 5G", score=90),
        "other_region": LeadFactory(owner=org.other_region_rep, title="Fibre 5G", score=95),
    }
    Lead.objects.filter(pk=made["teammates"].pk).update(state="verifying")
    return made


def test_the_board_groups_visible_leads_by_state(org, api, leads):
    columns = api(org.rep).get("/api/v1/leads/board/").json()
    by_state = {c["state"]: c for c in columns}
    assert list(by_state) == [
        "new",
        "verifying",
        "verified",
        "distributed",
        "nurturing",
        "converted",
        "disqualified",
    ]
    assert [card["id"] for card in by_state["new"]["cards"]] == [
        leads["mine"].pk,
        leads["pool"].pk,
    ]  # best score first; nothing of other teams
    assert by_state["verifying"]["count"] == 1
    mine = by_state["new"]["cards"][0]
    assert {t["name"] for t in mine["available_transitions"]} == {
        "start_verification",
        "disqualify",
    }
    teammates = by_state["verifying"]["cards"][0]
    assert teammates["available_transitions"] == []  # visible, not changeable


def test_the_board_applies_the_list_filters_and_caps_columns(org, api, leads):
    columns = api(org.director).get("/api/v1/leads/board/?q=5G&per_column=1").json()
    new = next(c for c in columns if c["state"] == "new")
    assert [card["id"] for card in new["cards"]] == [leads["other_team"].pk]
    assert new["count"] == 2 and new["more"] == 1


def test_the_board_runs_a_constant_number_of_queries(org, api, django_assert_max_num_queries):
    for _ in range(12):
        LeadFactory(owner=org.rep)
    with django_assert_max_num_queries(9):  # count, one per column, what the user may change
        api(org.rep).get("/api/v1/leads/board/")


def test_the_list_runs_a_constant_number_of_queries(org, api, django_assert_max_num_queries):
    for _ in range(10):
        LeadFactory(owner=org.rep, customer=CustomerFactory(owner=org.rep))
    with django_assert_max_num_queries(2):  # the page, what the user may change
        assert len(api(org.rep).get("/api/v1/leads/").json()["results"]) == 10


def test_search_and_filters_stay_inside_the_policy(org, api, leads):
    found = api(org.rep).get("/api/v1/leads/?q=5G").json()["results"]
    assert [r["id"] for r in found] == [leads["mine"].pk]
    pool = api(org.rep).get("/api/v1/leads/?pool=true").json()["results"]
    assert [r["id"] for r in pool] == [leads["pool"].pk]
    searched = api(org.rep).get("/api/v1/leads/?search=Hospital").json()["results"]
    assert searched == []


def test_search_matches_a_normalised_company_name(org, api):
    lead = LeadFactory(owner=org.rep, company_name="中国移动通信集团广东有限公司")
    found = api(org.rep).get("/api/v1/leads/?q=（中国移动通信集团广东）").json()["results"]
    assert [r["id"] for r in found] == [lead.pk]


def test_the_export_is_the_filtered_scoped_list(org, api, leads):
    rows = read_csv(api(org.director).get("/api/v1/leads/export/?q=5G&ordering=-score"))
    assert rows[0][:5] == ["Id", "Title", "Company", "State", "Score"]
    assert [r[1] for r in rows[1:]] == ["Hospital 5G", "5G port network"]
    rows = read_csv(api(org.other_region_manager).get("/api/v1/leads/export/"))
    assert [r[1] for r in rows[1:]] == ["Fibre 5G"]
    assert api(org.finance).get("/api/v1/leads/export/").status_code == 200
    assert read_csv(api(org.finance).get("/api/v1/leads/export/"))[1:] == []


def test_the_export_neutralises_formulas(org, api):
    LeadFactory(owner=org.rep, title='=HYPERLINK("http://x")', company_name="@evil")
    rows = read_csv(api(org.rep).get("/api/v1/leads/export/"))
    assert rows[1][1].startswith("'=") and rows[1][2] == "'@evil"


def test_assign_and_distribute_respect_the_policy(org, api, leads):
    other = leads["other_region"]
    assert (
        api(org.manager).post(f"/api/v1/leads/{other.pk}/assign/", {"owner": None}).status_code
        == 404
    )
    assert api(org.manager).post(f"/api/v1/leads/{other.pk}/distribute/", {}).status_code == 404
    teammates = leads["teammates"]
    assert (
        api(org.rep)
        .post(f"/api/v1/leads/{teammates.pk}/assign/", {"owner": org.rep.pk})
        .status_code
        == 403
    )


def test_the_schema_documents_the_new_endpoints():
    from tests.openapi import generated_schema

    paths = generated_schema()["paths"]
    for path in (
        "/api/v1/leads/board/",
        "/api/v1/leads/export/",
        "/api/v1/leads/{id}/assign/",
        "/api/v1/leads/{id}/distribute/",
        "/api/v1/web-to-lead/",
        "/api/v1/lead-sources/{id}/revoke/",
        "/api/v1/distribution-rules/",
        "/api/v1/activities/",
        "/api/v1/imports/",
        "/api/v1/imports/{id}/commit/",
        "/api/v1/imports/{id}/issues/",
        "/api/v1/imports/{id}/error-report/",
        "/api/v1/customers/{id}/merge/",
        "/api/v1/customers/export/",
        "/api/v1/saved-views/",
    ):
        assert path in paths, path

"""Global search: customers, contacts, leads, opportunities and contracts, each through the
policy, so a rep finds their team's records and never another team's."""

import pytest

from tests.factories import (
    ContactFactory,
    ContractFactory,
    CustomerFactory,
    LeadFactory,
    OpportunityFactory,
)

pytestmark = pytest.mark.django_db


def records(owner, word: str) -> dict:
    customer = CustomerFactory(owner=owner, name=f"{word} Port Group")
    return {
        "customer": customer,
        "contact": ContactFactory(customer=customer, name=f"{word} Wang", phone="13800000000"),
        "lead": LeadFactory(owner=owner, title=f"{word} campus 5G"),
        "opportunity": OpportunityFactory(owner=owner, name=f"{word} cranes", customer=customer),
        "contract": ContractFactory(owner=owner, title=f"{word} delivery", customer=customer),
    }


def test_a_rep_finds_every_kind_of_record_of_their_team(org, client):
    mine = records(org.teammate, "Nansha")
    client.force_login(org.rep)
    page = client.get("/search/", {"q": "nansha"}).content.decode()
    for key in ("customers", "contacts", "leads", "opportunities", "contracts"):
        assert f'id="search-{key}"' in page
    for name in ("customer", "lead", "opportunity", "contract"):
        assert f'href="{mine[name].get_absolute_url()}"' in page
    assert f"/customers/{mine['customer'].pk}/#contacts" in page  # the contact's customer
    by_number = client.get("/search/", {"q": mine["opportunity"].number}).content.decode()
    assert mine["opportunity"].get_absolute_url() in by_number


def test_a_rep_does_not_find_another_teams_records(org, client):
    theirs = records(org.other_team_rep, "Huangpu")
    far = records(org.other_region_rep, "Huangpu")
    client.force_login(org.rep)
    page = client.get("/search/", {"q": "Huangpu"}).content.decode()
    assert "search-group" not in page and "Nothing found" in page
    for record in theirs.values():
        assert str(record) not in page
    # Their manager's manager (the office director) does find them.
    client.force_login(org.director)
    page = client.get("/search/", {"q": "Huangpu"}).content.decode()
    assert theirs["opportunity"].get_absolute_url() in page
    assert far["opportunity"].get_absolute_url() not in page  # another region's stay hidden


def test_search_answers_htmx_with_the_results_only(org, client):
    records(org.rep, "Shekou")
    client.force_login(org.rep)
    partial = client.get("/search/", {"q": "shekou"}, HTTP_HX_REQUEST="true").content.decode()
    assert "<html" not in partial and 'id="search-leads"' in partial
    short = client.get("/search/", {"q": "s"}).content.decode()
    assert "search-group" not in short and "at least two characters" in short


def test_search_runs_a_constant_number_of_queries(org, client, django_assert_max_num_queries):
    for i in range(6):
        records(org.rep, f"Yantian{i}")
    client.force_login(org.rep)
    # The same for one record of each kind (one more: the custom text fields of all kinds).
    with django_assert_max_num_queries(17):
        assert client.get("/search/", {"q": "yantian"}).status_code == 200

"""Saved list views: one's own and the team's shared ones, on the lead list and in the API."""

import pytest

from core.models import SavedView

pytestmark = pytest.mark.django_db


def test_saving_and_using_a_view_on_the_lead_list(org, client):
    client.force_login(org.rep)
    response = client.post(
        "/saved-views/",
        {
            "page": "leads:list",
            "name": "Hot leads",
            "query": "state=new&ordering=-score&cursor=abc",
            "next": "/leads/?state=new&ordering=-score",
        },
    )
    assert response["Location"] == "/leads/?state=new&ordering=-score"
    view = SavedView.objects.get()
    assert view.query == "state=new&ordering=-score"  # the page position is not saved
    page = client.get("/leads/?state=new&ordering=-score").content.decode()
    assert 'href="?state=new&amp;ordering=-score" aria-current="true">Hot leads' in page


def test_shared_views_reach_the_team_only(org, api):
    api(org.rep).post(
        "/api/v1/saved-views/",
        {"page": "leads:list", "name": "Team pool", "query": "pool=true", "shared": True},
    )
    api(org.rep).post(
        "/api/v1/saved-views/", {"page": "leads:list", "name": "Mine", "query": "mine=true"}
    )

    def names(user):
        return [v["name"] for v in api(user).get("/api/v1/saved-views/?page=leads:list").json()]

    assert names(org.rep) == ["Mine", "Team pool"]
    assert names(org.teammate) == ["Team pool"]
    assert names(org.other_team_rep) == []


def test_only_ones_own_views_can_be_deleted_and_names_are_overwritten(org, api, client):
    created = (
        api(org.rep)
        .post(
            "/api/v1/saved-views/",
            {"page": "leads:list", "name": "A", "query": "state=new", "shared": True},
        )
        .json()
    )
    again = (
        api(org.rep)
        .post(
            "/api/v1/saved-views/", {"page": "leads:list", "name": "A", "query": "state=verified"}
        )
        .json()
    )
    assert again["id"] == created["id"] and again["query"] == "state=verified"
    assert api(org.teammate).delete(f"/api/v1/saved-views/{created['id']}/").status_code == 404
    client.force_login(org.teammate)
    client.post(f"/saved-views/{created['id']}/delete/", {"next": "/leads/"})
    assert SavedView.objects.filter(pk=created["id"]).exists()
    assert api(org.rep).delete(f"/api/v1/saved-views/{created['id']}/").status_code == 204
    assert not SavedView.objects.exists()


def test_bad_input_is_refused(org, api):
    assert api(org.rep).get("/api/v1/saved-views/").status_code == 400
    response = api(org.rep).post("/api/v1/saved-views/", {"page": "leads:list", "name": " "})
    assert response.status_code == 400 and "name" in response.json()["fields"]

"""The API as an integration meets it: a token from a user's password, and cursor pages that
walk a list to its end without repeating or skipping a row."""

import pytest
from rest_framework.test import APIClient

from tests.factories import LeadFactory

pytestmark = pytest.mark.django_db


def test_a_token_from_the_password_opens_the_api(org):
    client = APIClient()
    wrong = client.post(
        "/api/v1/auth/token/", {"username": org.rep.username, "password": "nope"}, format="json"
    )
    assert wrong.status_code == 400
    assert client.get("/api/v1/leads/").status_code in (401, 403)

    token = client.post(
        "/api/v1/auth/token/",
        {"username": org.rep.username, "password": "pass-1234-word"},
        format="json",
    ).json()["token"]
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert client.get("/api/v1/leads/").status_code == 200
    client.credentials(HTTP_AUTHORIZATION="Token not-a-token")
    assert client.get("/api/v1/leads/").status_code == 401


def test_cursor_pages_walk_the_list_once(org, api):
    mine = {LeadFactory(owner=org.rep).pk for _ in range(7)}
    LeadFactory(owner=org.other_region_rep)
    client = api(org.rep)
    seen, url, pages = [], "/api/v1/leads/?page_size=3", 0
    while url:
        page = client.get(url).json()
        assert "count" not in page  # no COUNT(*) over the whole table per page
        seen += [row["id"] for row in page["results"]]
        url, pages = page["next"], pages + 1
    assert pages == 3
    assert sorted(seen) == sorted(mine)

"""API keys for the integration tests: `key_client(user, scopes)` gives a client sending one."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from integrations.services import api_key_issue
from tests.receivables.conftest import make_contract  # noqa: F401 (a fixture, shared)


@pytest.fixture
def issue_key(org):
    def make(user=None, scopes=("leads:read",), rate_limit="600/minute"):
        return api_key_issue(
            name="ERP",
            user=user or org.rep,
            scopes=list(scopes),
            rate_limit=rate_limit,
            by=org.admin,
        )

    return make


@pytest.fixture
def key_client():
    def make(token: str) -> APIClient:
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Api-Key {token}")
        return client

    return make

"""What the two schemathesis runs share: the admin's token, the error shape, and keeping the
test's database connection across WSGI requests."""

from __future__ import annotations

import json

import pytest
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from rest_framework.authtoken.models import Token

from core.choices import Role
from tests.factories import OrgUnitFactory, UserFactory

ERROR_KEYS = {"code", "message", "fields"}


def an_error_in_the_one_shape(response, case) -> None:
    """A 4xx answer is JSON `{code, message, fields}`, whatever layer gave it."""
    if not 400 <= response.status_code < 500:
        return
    assert response.headers.get("Content-Type", "").startswith("application/json"), (
        f"{response.status_code} is not JSON: {response.headers.get('Content-Type')}"
    )
    body = json.loads(response.get_data(as_text=True))  # a werkzeug response from call_wsgi
    assert isinstance(body, dict) and set(body) == ERROR_KEYS, f"not the error shape: {body}"


@pytest.fixture(autouse=True)
def keep_the_test_connection():
    """The WSGI app closes "old" connections at each request's end, as in production; inside
    the test's transaction that would close PostgreSQL's connection under the test (Django's
    test client disconnects the same handlers)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def admin_token(db, settings):  # noqa: F811 (pytest-django's settings fixture)
    settings.ALLOWED_HOSTS = ["*"]
    admin = UserFactory(
        username="fuzz-admin",
        role=Role.ADMIN,
        org_unit=OrgUnitFactory(name="HQ", code="hq"),
        is_staff=True,
        is_superuser=True,
    )
    return Token.objects.create(user=admin).key

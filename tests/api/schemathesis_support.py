"""What the two schemathesis runs share: the admin's token, the error shape, and keeping the
test's database connection across WSGI requests."""

from __future__ import annotations

import json
import zlib

import pytest
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from rest_framework.authtoken.models import Token

from core.choices import Role
from tests.factories import OrgUnitFactory, UserFactory

ERROR_KEYS = {"code", "message", "fields"}

#: Each fuzzer's operations come in this many parts, one test each. A whole fuzzer ran for
#: minutes as one test, in one test process, and the run waited for it at the end; its parts
#: run in parallel processes (`SPLIT_BY_TEST` in tests/conftest.py hands them out one by one).
PARTS = 4


def part(number: int):
    """A schemathesis filter: the operations of part `number` of `PARTS`, by a stable hash of
    method and path, so every operation is in exactly one part on every run."""

    def in_part(context) -> bool:
        operation = context.operation
        key = f"{operation.method.upper()} {operation.path}".encode()
        return zlib.crc32(key) % PARTS == number

    in_part.__name__ = f"part_{number}"
    return in_part


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

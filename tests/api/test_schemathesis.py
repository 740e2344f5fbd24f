"""Fuzzing: schemathesis sends every operation of the live OpenAPI schema, as an
administrator, with generated input; nothing may be a server error.

The schema is the one /api/v1/schema/ serves, the requests go through the WSGI app (the
whole middleware stack), and each operation gets a handful of examples so the run stays short.
"""

from __future__ import annotations

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, settings
from rest_framework.authtoken.models import Token
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from ltc.choices import Role
from ltc.wsgi import application
from tests.factories import OrgUnitFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def live_schema():
    raw = SchemaGenerator().get_schema(request=None, public=True)
    return schemathesis.from_dict(raw, app=application)


schema = schemathesis.from_pytest_fixture("live_schema")


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


@schema.parametrize()
@settings(
    max_examples=2,
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)
def test_no_operation_is_a_server_error(case, admin_token):
    response = case.call_wsgi(headers={"Authorization": f"Token {admin_token}"})
    case.validate_response(
        response,
        checks=(
            not_a_server_error,
            status_code_conformance,
            content_type_conformance,
            response_headers_conformance,
            response_schema_conformance,
        ),
    )

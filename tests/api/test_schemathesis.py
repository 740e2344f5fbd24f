"""Fuzzing: schemathesis sends every operation of the live OpenAPI schema, as an
administrator, with generated input; nothing may be a server error.

The schema is the one /api/v1/schema/ serves, the requests go through the WSGI app (the
whole middleware stack), and each operation gets a handful of examples so the run stays short.
Two runs: positive data (valid by the schema), whose answers must conform to the schema, and
negative data (ids that are not ids, wrong types, missing fields, values out of range), whose
answers must be a 4xx in the one error shape, never a 500.
"""

from __future__ import annotations

import json

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, assume, settings
from rest_framework.authtoken.models import Token
from schemathesis import DataGenerationMethod
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from core.choices import Role
from ltc.wsgi import application
from tests.factories import OrgUnitFactory, UserFactory
from tests.openapi import generated_schema

pytestmark = pytest.mark.django_db


@pytest.fixture
def live_schema():
    raw = generated_schema()
    return schemathesis.from_dict(raw, app=application)


@pytest.fixture
def live_schema_negative():
    raw = generated_schema()
    # Negative first, so each operation's first example is negative where the schema leaves
    # anything to negate; with positive beside it, an operation with nothing to negate (only
    # free-text query parameters) gets positive data instead of a skipped test.
    methods = [DataGenerationMethod.negative, DataGenerationMethod.positive]
    return schemathesis.from_dict(raw, app=application, data_generation_methods=methods)


schema = schemathesis.from_pytest_fixture("live_schema")
negative_schema = schemathesis.from_pytest_fixture("live_schema_negative")
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


@negative_schema.parametrize()
@settings(
    max_examples=2,
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)
def test_no_negative_input_is_a_server_error(case, admin_token):
    # A form-encoded body must be an object; anything else cannot be sent at all.
    assume(isinstance(case.body, dict) or "json" in (case.media_type or "json"))
    response = case.call_wsgi(headers={"Authorization": f"Token {admin_token}"})
    case.validate_response(response, checks=(not_a_server_error, an_error_in_the_one_shape))

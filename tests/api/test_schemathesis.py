"""Fuzzing: schemathesis sends every operation of the live OpenAPI schema, as an
administrator, with generated input; nothing may be a server error.

The schema is the one /api/v1/schema/ serves, the requests go through the WSGI app (the
whole middleware stack), and each operation gets a handful of examples so the run stays short.
This file: positive data (valid by the schema), whose answers must conform to the schema;
`test_schemathesis_negative.py`: negative data (ids that are not ids, wrong types, missing
fields, values out of range), whose answers must be a 4xx in the one error shape, never a 500.
Two files, each run on one database (`ONE_DATABASE` in tests/conftest.py): this one on the
embedded default, the negative data on PostgreSQL.
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from ltc.wsgi import application
from tests.api.schemathesis_support import (  # noqa: F401  (fixtures)
    admin_token,
    keep_the_test_connection,
    part,
)
from tests.openapi import generated_schema

pytestmark = pytest.mark.django_db


@pytest.fixture
def live_schema():
    raw = generated_schema()
    return schemathesis.from_dict(raw, app=application)


schema = schemathesis.from_pytest_fixture("live_schema")


FUZZ = settings(
    max_examples=2,
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)


def fuzz_part(number: int):
    """The test for one part of the operations (`PARTS`)."""

    @schema.include(part(number)).parametrize()
    @FUZZ
    def test(case, admin_token):  # noqa: F811
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

    return test


test_no_operation_is_a_server_error_part_0 = fuzz_part(0)
test_no_operation_is_a_server_error_part_1 = fuzz_part(1)
test_no_operation_is_a_server_error_part_2 = fuzz_part(2)
test_no_operation_is_a_server_error_part_3 = fuzz_part(3)

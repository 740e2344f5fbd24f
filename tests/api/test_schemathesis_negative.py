"""Fuzzing with negative data (see test_schemathesis.py): ids that are not ids, wrong types,
missing fields, values out of range; every answer is a 4xx in the one error shape, never a 500.
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, assume, settings
from schemathesis import DataGenerationMethod
from schemathesis.checks import not_a_server_error

from ltc.wsgi import application
from tests.api.schemathesis_support import (  # noqa: F401  (fixtures)
    admin_token,
    an_error_in_the_one_shape,
    keep_the_test_connection,
    part,
)
from tests.openapi import generated_schema

pytestmark = pytest.mark.django_db


@pytest.fixture
def live_schema_negative():
    raw = generated_schema()
    # Negative first, so each operation's first example is negative where the schema leaves
    # anything to negate; with positive beside it, an operation with nothing to negate (only
    # free-text query parameters) gets positive data instead of a skipped test.
    methods = [DataGenerationMethod.negative, DataGenerationMethod.positive]
    return schemathesis.from_dict(raw, app=application, data_generation_methods=methods)


negative_schema = schemathesis.from_pytest_fixture("live_schema_negative")


FUZZ = settings(
    max_examples=2,
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)


def fuzz_part(number: int):
    """The test for one part of the operations (`PARTS`)."""

    @negative_schema.include(part(number)).parametrize()
    @FUZZ
    def test(case, admin_token):  # noqa: F811
        # A form-encoded body must be an object; anything else cannot be sent at all.
        assume(isinstance(case.body, dict) or "json" in (case.media_type or "json"))
        response = case.call_wsgi(headers={"Authorization": f"Token {admin_token}"})
        case.validate_response(response, checks=(not_a_server_error, an_error_in_the_one_shape))

    return test


test_no_negative_input_is_a_server_error_part_0 = fuzz_part(0)
test_no_negative_input_is_a_server_error_part_1 = fuzz_part(1)
test_no_negative_input_is_a_server_error_part_2 = fuzz_part(2)
test_no_negative_input_is_a_server_error_part_3 = fuzz_part(3)

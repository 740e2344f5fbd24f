"""The generated OpenAPI document, made once per test process and language.

Generating it walks every view and serializer (seconds each time); the tests that read it get
their own deep copy of the one generated in their process, so none can change another's.
"""

from __future__ import annotations

import copy
import functools

from django.utils import translation
from drf_spectacular.generators import SchemaGenerator


@functools.cache
def _generated(language: str | None) -> dict:
    return SchemaGenerator().get_schema(request=None, public=True)


def generated_schema() -> dict:
    """`SchemaGenerator().get_schema(request=None, public=True)`, as a fresh copy."""
    return copy.deepcopy(_generated(translation.get_language()))

"""How the OpenAPI document is made so that it says what the API really sends and takes.

- `AutoSchema`: a response field says what the model can hold. DRF drops `allow_blank` from
  read-only fields and a `StringRelatedField` or `source="a.b"` never says it may be null, so
  drf-spectacular would publish `enum: [strategic, key, normal]` for a field that answers `""`,
  and `type: string` for one that answers `null`. Here a response field whose source is a model
  field that may be blank or null (anywhere along a `source` path) is declared so; requests keep
  the serializer's own rules.
- `AutoSchema.map_parsers`: a body is documented as JSON, the API's contract, wherever the view
  takes JSON (DRF's form parsers stay on for browsers, not promised); views that take files
  declare their multipart bodies with `extend_schema`. Several media types of one schema per
  operation also broke generated clients (openapi-python-client sends one encoding under
  another's Content-Type).
- `drop_defaults_outside_their_schema`: a `default` is what the server uses when a value is left
  out, not a value a client may send. When the schema refuses it (`default: ""` with
  `minLength: 1`, an enum default outside the enum), validators reject the document and client
  generators drop the operation, so the default is left out of the document.
"""

from __future__ import annotations

import copy

from django.core.exceptions import FieldDoesNotExist
from django.db import models
from drf_spectacular import openapi
from rest_framework import serializers


def _source_may_be(field: serializers.Field) -> tuple[bool, bool]:
    """(may be blank, may be null) of the model data behind a bound serializer field."""
    parent = field.parent
    model = getattr(getattr(parent, "Meta", None), "model", None)
    source_attrs = getattr(field, "source_attrs", None)
    if model is None or not source_attrs or field.source == "*":
        return False, False
    blank = null = False
    model_field = None
    for name in source_attrs:
        if model is None:
            return False, null
        try:
            model_field = model._meta.get_field(name)
        except FieldDoesNotExist:
            return False, null  # a property or method: nothing known
        if model_field.is_relation and not model_field.concrete:
            return False, null  # a reverse relation: a list or a manager
        null = null or bool(model_field.null)
        model = model_field.related_model if model_field.is_relation else None
    if isinstance(model_field, models.CharField | models.TextField):
        blank = bool(model_field.blank)
    return blank, null


class AutoSchema(openapi.AutoSchema):
    """drf-spectacular's AutoSchema, with response fields as loose as the model behind them."""

    def _map_serializer_field(self, field, direction, bypass_extensions=False):
        if direction == "response" and isinstance(field, serializers.Field):
            blank, null = _source_may_be(field)
            add_blank = (
                blank and isinstance(field, serializers.ChoiceField) and not field.allow_blank
            )
            add_null = null and not field.allow_null
            if add_blank or add_null:
                field = copy.copy(field)
                if add_blank:
                    field.allow_blank = True
                if add_null:
                    field.allow_null = True
        return super()._map_serializer_field(field, direction, bypass_extensions)

    def map_parsers(self):
        media_types = super().map_parsers()
        for preferred in ("application/json", "multipart/form-data"):
            if preferred in media_types:
                return [preferred]
        return media_types


def _refuses(schema: dict, value) -> bool:
    """Whether a (local, unresolved) schema refuses `value`: the checks a default can fail."""
    if "enum" in schema and value not in schema["enum"]:
        return True
    if isinstance(value, str):
        if len(value) < schema.get("minLength", 0):
            return True
        if "maxLength" in schema and len(value) > schema["maxLength"]:
            return True
    return False


def _enum_of(schema: dict, components: dict) -> dict:
    """The schema itself, or the enum component an `allOf: [$ref]` wrapper points at."""
    parts = schema.get("allOf")
    if parts and len(parts) == 1 and "$ref" in parts[0]:
        return components.get(parts[0]["$ref"].rsplit("/", 1)[-1], {})
    return schema


def drop_defaults_outside_their_schema(result, generator, request, public):
    """Spectacular post-processing hook (after the enum hook): no `default` its own schema
    refuses, in parameters and in request and response bodies alike."""
    components = result.get("components", {}).get("schemas", {})

    def walk(node, names_schemas: bool = False):
        if isinstance(node, dict):
            # In `properties` (a map of names to schemas) a key "default" is a field's name.
            if (
                not names_schemas
                and "default" in node
                and _refuses(_enum_of(node, components), node["default"])
            ):
                del node["default"]
            for key, value in node.items():
                walk(value, names_schemas=key == "properties" and not names_schemas)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(result)
    return result

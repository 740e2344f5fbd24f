"""The custom fields of a record type."""

from __future__ import annotations

from django.apps import apps
from django.db import models

from .models import CHOICE_TYPES, CustomField, definition_errors, states_of

__all__ = ["CHOICE_TYPES", "definition_errors", "definitions", "states_of", "target_of"]


def target_of(model: type[models.Model] | str) -> str:
    """The `Target` value of a model (or of a model label)."""
    return model if isinstance(model, str) else model._meta.label_lower


def target_model(target: str) -> type[models.Model]:
    return apps.get_model(target)


def definitions(model, *, include_retired: bool = False) -> list[CustomField]:
    """The custom fields of a record type, in their order."""
    queryset = CustomField.objects.filter(target=target_of(model))
    if not include_retired:
        queryset = queryset.filter(retired=False)
    return list(queryset.order_by("position", "id"))

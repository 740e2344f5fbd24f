"""Every field a generic write takes: the bodies of the API's create, update and bulk routes (as
the schema documents them) and the fields of the pages' model forms, each with its subject (the
model it writes, or the serializer's name where it writes none)."""

from __future__ import annotations

import functools
import importlib
from collections.abc import Iterator

from django import forms
from django.apps import apps
from django.conf import settings
from drf_spectacular.generators import SchemaGenerator
from rest_framework import serializers

from accounts.models import OrgUnit, User
from core import policy
from core.choices import TriangleRole

#: The routes that write a record the generic way (dedicated actions are the guarded ways).
GENERIC_ACTIONS = ("create", "update", "partial_update", "bulk_upsert", "bulk")
SEATS = {TriangleRole.SR.value, TriangleRole.FR.value}


def scope_kind(model, name: str, source: str, target) -> str | None:
    """Whether a field decides where a `model` record is filed ("unit"), who owns it or sits
    on its team ("person") or which record it is part of ("parent"), from the model's access
    spec and what the field points at: a new model or field is covered without being listed."""
    spec = getattr(model, "access", None)
    if spec is None or target is None:
        return None
    if target is OrgUnit:
        return "unit"
    if target is User and (source == spec.owner or name in SEATS):
        return "person"
    if source == policy.parent_field(model):
        return "parent"
    return None


def target_of(field):
    """The model a related field (serializer or form) points at, else None."""
    queryset = getattr(field, "queryset", None)
    if queryset is None and hasattr(field, "child_relation"):
        queryset = field.child_relation.queryset
    return getattr(queryset, "model", None)


def subject_of(serializer) -> str:
    model = getattr(serializer, "scope_model", None) or getattr(
        getattr(serializer, "Meta", None), "model", None
    )
    return model._meta.label_lower if model is not None else type(serializer).__name__


def serializer_fields(serializer, where: str) -> Iterator[tuple]:
    """(subject, name, where, field) of every writable field, nested serializers' included."""
    subject = subject_of(serializer)
    for name, field in serializer.fields.items():
        if field.read_only:
            continue
        yield subject, name, where, field
        child = getattr(field, "child", None)
        nested = child if isinstance(child, serializers.Serializer) else field
        if isinstance(nested, serializers.Serializer):
            yield from serializer_fields(nested, f"{where}.{name}")


@functools.cache
def api_fields() -> list[tuple]:
    generator = SchemaGenerator()
    generator._initialise_endpoints()
    found = []
    for path, _regex, method, callback in generator.endpoints:
        if not hasattr(callback, "cls"):
            continue
        view = generator.create_view(callback, method)
        if getattr(view, "action", None) not in GENERIC_ACTIONS:
            continue
        body = view.schema.get_request_serializer()
        for serializer in body.values() if isinstance(body, dict) else [body]:
            if serializer is None:
                continue
            serializer = serializer() if isinstance(serializer, type) else serializer
            found += serializer_fields(serializer, f"{method} {path}")
    return found


def model_forms() -> list[type[forms.ModelForm]]:
    """Every model form of the project's apps (the pages' create and edit forms)."""
    local = [a for a in apps.get_app_configs() if a.path.startswith(str(settings.BASE_DIR))]
    for app in local:
        try:
            importlib.import_module(f"{app.name}.forms")
        except ModuleNotFoundError:
            continue

    def below(cls):
        for sub in cls.__subclasses__():
            yield sub
            yield from below(sub)

    names = {a.name for a in local}
    return sorted(
        {
            f
            for f in below(forms.ModelForm)
            if f.__module__.split(".")[0] in names and f._meta.model
        },
        key=lambda f: f"{f.__module__}.{f.__name__}",
    )


@functools.cache
def form_fields() -> list[tuple]:
    return [
        (form._meta.model._meta.label_lower, name, f"{form.__module__}.{form.__name__}", field)
        for form in model_forms()
        for name, field in form.base_fields.items()
        if not field.disabled
    ]

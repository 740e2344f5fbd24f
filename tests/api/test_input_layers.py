"""The layers that catch bad input are used everywhere, so a new serializer, filterset or form
cannot quietly bring the old 500s back: model serializers build on the base that maps money
and dates to the project's fields, list filters on the FilterSet that keeps dates in the
business range, and no serializer or form declares Django's or DRF's bare date fields."""

from __future__ import annotations

import importlib
import pkgutil

import pytest
from django import forms
from django_filters import FilterSet as DjangoFilterSet
from rest_framework import serializers

from core import filters
from core.api.serializers import ModelSerializer
from core.forms import RecordForm

APPS = (
    "core",
    "ltc",
    "accounts",
    "partners",
    "leads",
    "opportunities",
    "contracts",
    "receivables",
    "keyaccounts",
)
APPS += ("integrations",)


def _import_everything() -> None:
    for app in APPS:
        package = importlib.import_module(app)
        for info in pkgutil.walk_packages(package.__path__, f"{app}."):
            if ".migrations" in info.name or ".management" in info.name:
                continue
            importlib.import_module(info.name)


def _ours(base: type) -> list[type]:
    _import_everything()
    found, todo = [], [base]
    while todo:
        cls = todo.pop()
        for sub in cls.__subclasses__():
            todo.append(sub)
            if sub.__module__.split(".")[0] in APPS:
                found.append(sub)
    return found


def test_every_model_serializer_builds_on_the_projects_base():
    stray = [c for c in _ours(serializers.ModelSerializer) if not issubclass(c, ModelSerializer)]
    assert not stray, stray


def test_every_filterset_builds_on_the_projects_base():
    stray = [c for c in _ours(DjangoFilterSet) if not issubclass(c, filters.FilterSet)]
    assert not stray, stray


BARE = {serializers.DateField, serializers.DateTimeField, forms.DateField, forms.DateTimeField}


@pytest.mark.parametrize("base", [serializers.Serializer, forms.BaseForm])
def test_no_serializer_or_form_declares_a_bare_date_field(base):
    stray = []
    for cls in _ours(base):
        declared = getattr(cls, "_declared_fields", None) or getattr(cls, "declared_fields", {})
        if issubclass(cls, RecordForm):
            continue  # its model's date fields get the rule when the form is made
        for name, field in declared.items():
            if type(field) in BARE:
                stray.append(f"{cls.__module__}.{cls.__name__}.{name}")
    assert not stray, stray

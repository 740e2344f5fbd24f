"""django-filter, as every list's FilterSet uses it (`from core import filters`): its filters
as they are, and a FilterSet whose yes/no filters offer "Any" when not chosen and whose date
and date-time filters keep to the business range of core.inputs (a year-1 date or a date-time
whose offset carries it off the calendar is a 400 naming the filter, not a database error).
The API's filter backend builds the filtersets it makes from `filterset_fields` on the same
base."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.utils.translation import gettext as _
from django_filters import rest_framework as drf_filters
from django_filters.rest_framework import *  # noqa: F403 (the filters, re-exported)
from django_filters.widgets import BooleanWidget
from rest_framework import filters as drf_base_filters

from .custom_fields import ordering as custom_ordering
from .custom_fields.filtering import apply_custom_filters
from .custom_fields.forms import carries_custom
from .inputs import to_utc, validate_input


class FilterSet(drf_filters.FilterSet):
    @property
    def form(self):
        if not hasattr(self, "_form"):
            form = super().form
            for field in form.fields.values():
                if isinstance(field, forms.DateField | forms.DateTimeField):
                    field.validators.append(validate_input)
                if isinstance(field.widget, BooleanWidget):
                    # Not chosen means "any", not django-filter's "Unknown".
                    field.widget.choices = (("", _("Any")), ("true", _("Yes")), ("false", _("No")))
        return self._form

    def filter_queryset(self, queryset):
        # An aware date-time goes to the database in UTC: PostgreSQL refuses offsets past
        # 15:59 that Python accepts.
        for name, value in self.form.cleaned_data.items():
            if isinstance(value, dt.datetime):
                self.form.cleaned_data[name] = to_utc(value)
        queryset = super().filter_queryset(queryset)
        if carries_custom(queryset.model):  # ?custom.<key>=… (issue 20.2)
            queryset = apply_custom_filters(queryset, self.data)
        return queryset


class FilterBackend(drf_filters.DjangoFilterBackend):
    filterset_base = FilterSet


class OrderingFilter(drf_base_filters.OrderingFilter):
    """DRF's `?ordering=`, and on a record type with custom fields `custom.<key>` or
    `-custom.<key>` (issue 20.2): a 400 naming `ordering` for a key that is not a field that
    sorts; the cursor pages such a list by (value, id), rows without a value last."""

    def _custom_terms(self, request, queryset) -> list[str] | None:
        params = request.query_params.get(self.ordering_param)
        if not params or not carries_custom(queryset.model):
            return None
        terms = [term.strip() for term in params.split(",") if term.strip()]
        return terms if any(custom_ordering.is_custom(term) for term in terms) else None

    def get_ordering(self, request, queryset, view):
        terms = self._custom_terms(request, queryset)
        if terms is None:
            return super().get_ordering(request, queryset, view)
        custom_ordering.parse(queryset.model, terms)
        return (terms[0],)

    def filter_queryset(self, request, queryset, view):
        terms = self._custom_terms(request, queryset)
        if terms is None:
            return super().filter_queryset(request, queryset, view)
        field, descending = custom_ordering.parse(queryset.model, terms)
        return custom_ordering.order(queryset, field, descending)

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        model = getattr(getattr(view, "queryset", None), "model", None)
        if model is not None and carries_custom(model):
            for parameter in parameters:
                parameter["description"] = (
                    "Which field to use when ordering the results: one of the list's fields, "
                    "`-` before it for descending; or `custom.<key>` / `-custom.<key>`, a "
                    "custom number, money, date, text or choice field (rows without a value "
                    "last, the id breaking ties)."
                )
        return parameters

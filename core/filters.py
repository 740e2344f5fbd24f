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

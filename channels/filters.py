"""Filters of rebate schemes and statements, shared by the API and the pages."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from core import filters

from .choices import RebateBasis, StatementState
from .models import RebateScheme, RebateStatement


class RebateSchemeFilter(filters.FilterSet):
    partner = filters.NumberFilter(field_name="agreement__partner", label=_("Partner"))
    year = filters.NumberFilter(field_name="agreement__year", label=_("Year"))
    basis = filters.ChoiceFilter(choices=RebateBasis.choices, label=_("Basis"))

    class Meta:
        model = RebateScheme
        fields = ["partner", "year", "basis"]


class RebateStatementFilter(filters.FilterSet):
    partner = filters.NumberFilter(field_name="partner", label=_("Partner"))
    state = filters.ChoiceFilter(choices=StatementState.choices, label=_("State"))
    year = filters.NumberFilter(field_name="period_start__year", label=_("Year"))

    class Meta:
        model = RebateStatement
        fields = ["partner", "state", "year"]

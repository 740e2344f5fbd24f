"""Filters of the credit lists, shared by the API and the pages."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from core import filters

from .choices import CreditKind, SplitState
from .models import CreditLine, CreditSplit


class CreditSplitFilter(filters.FilterSet):
    state = filters.ChoiceFilter(choices=SplitState.choices, label=_("State"))

    class Meta:
        model = CreditSplit
        fields = ["opportunity", "state"]


class CreditLineFilter(filters.FilterSet):
    kind = filters.ChoiceFilter(choices=CreditKind.choices, label=_("Kind"))
    credited_from = filters.DateFilter(
        field_name="credited_on", lookup_expr="gte", label=_("Credited from")
    )
    credited_to = filters.DateFilter(
        field_name="credited_on", lookup_expr="lte", label=_("Credited to")
    )

    class Meta:
        model = CreditLine
        fields = ["kind", "person", "contract", "currency", "reversal"]

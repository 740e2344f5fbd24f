from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.normalise import normalise_company_name
from core import filters
from core.custom_fields.filtering import custom_text_search

from .choices import OPEN_STATES
from .models import Lead


class LeadFilter(filters.FilterSet):
    """The lead list's filters, shared by the API, the list page, the board and exports."""

    q = filters.CharFilter(method="search", label=_("Search"))
    open = filters.BooleanFilter(method="filter_open", label=_("Still open"))
    mine = filters.BooleanFilter(method="filter_mine", label=_("Mine"))
    pool = filters.BooleanFilter(method="filter_pool", label=_("Team pool (no owner)"))
    min_score = filters.NumberFilter(field_name="score", lookup_expr="gte", label=_("Score from"))
    region = filters.CharFilter(
        field_name="region", lookup_expr="istartswith", label=_("Province / region")
    )

    class Meta:
        model = Lead
        fields = [
            "state",
            "owner",
            "org_unit",
            "source",
            "customer",
            "buying_pattern",
            "industry",
        ]

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        q = (
            Q(title__icontains=value)
            | Q(company_name__icontains=value)
            | Q(customer__name__icontains=value)
            | Q(contact_name__icontains=value)
            | Q(product_interest__icontains=value)
        )
        key = normalise_company_name(value)
        if key:
            q |= Q(company_key__startswith=key)
        queryset, custom = custom_text_search(queryset, value)
        return queryset.filter(q | custom)

    def filter_open(self, queryset, name, value):
        if value is None:
            return queryset
        return (
            queryset.filter(state__in=OPEN_STATES)
            if value
            else queryset.exclude(state__in=OPEN_STATES)
        )

    def filter_mine(self, queryset, name, value):
        return queryset.filter(owner=self.request.user) if value else queryset

    def filter_pool(self, queryset, name, value):
        if value is None:
            return queryset
        return queryset.filter(owner__isnull=value)

"""FilterSets shared by the API and the pages."""

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.filters import OverdueNextStepFilter
from accounts.models import OrgUnit
from core import filters
from core.custom_fields.filtering import custom_text_search

from .choices import OPEN_STAGES
from .models import (
    AgreementPrice,
    Bid,
    Competitor,
    DecisionChainMember,
    Opportunity,
    OpportunityCompetitor,
    Product,
    Quote,
)
from .pricing import quotes_awaiting_approval_q
from .stuck import stuck_q


class OpportunityFilter(filters.FilterSet):
    q = filters.CharFilter(method="search", label=_("Search"))
    open = filters.BooleanFilter(method="filter_open", label=_("Still open"))
    expected_close_after = filters.DateFilter(field_name="expected_close_date", lookup_expr="gte")
    expected_close_before = filters.DateFilter(field_name="expected_close_date", lookup_expr="lte")
    closed_after = filters.DateFilter(field_name="closed_at", lookup_expr="date__gte")
    closed_before = filters.DateFilter(field_name="closed_at", lookup_expr="date__lte")
    created_after = filters.DateFilter(field_name="created_at", lookup_expr="date__gte")
    created_before = filters.DateFilter(field_name="created_at", lookup_expr="date__lte")
    within_unit = filters.NumberFilter(
        method="filter_within_unit", label=_("Org unit and the units under it")
    )
    overdue_next_step = OverdueNextStepFilter()
    stuck = filters.BooleanFilter(
        method="filter_stuck", label=_("Stuck (longer than the stage's norm)")
    )

    class Meta:
        model = Opportunity
        fields = [
            "state",
            "currency",
            "owner",
            "org_unit",
            "customer",
            "forecast_category",
            "product_line",
            "close_reason_code",
            "lost_to",
        ]

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        queryset, custom = custom_text_search(queryset, value)
        return queryset.filter(
            Q(name__icontains=value)
            | Q(number__iexact=value)
            | Q(customer__name__icontains=value)
            | custom
        )

    def filter_open(self, queryset, name, value):
        if value is None:
            return queryset
        return (
            queryset.filter(state__in=OPEN_STAGES)
            if value
            else queryset.exclude(state__in=OPEN_STAGES)
        )

    def filter_within_unit(self, queryset, name, value):
        unit = OrgUnit.objects.filter(pk=value).only("path").first()
        if unit is None:
            return queryset.none()
        return queryset.filter(org_unit__path__startswith=unit.path)

    def filter_stuck(self, queryset, name, value):
        """Longer in the stage, or waiting longer at a gate, than the stage's norm."""
        if value is None:
            return queryset
        return queryset.filter(stuck_q()) if value else queryset.exclude(stuck_q())


class QuoteFilter(filters.FilterSet):
    awaiting_my_approval = filters.BooleanFilter(
        method="filter_awaiting", label=_("Awaiting my approval")
    )

    class Meta:
        model = Quote
        fields = ["opportunity", "state", "special_price", "currency"]

    def filter_awaiting(self, queryset, name, value):
        if not value:
            return queryset
        return queryset.filter(quotes_awaiting_approval_q(self.request.user))


class BidFilter(filters.FilterSet):
    deadline_before = filters.IsoDateTimeFilter(field_name="deadline", lookup_expr="lte")
    deadline_after = filters.IsoDateTimeFilter(field_name="deadline", lookup_expr="gte")

    class Meta:
        model = Bid
        fields = ["opportunity", "state"]


class DecisionChainFilter(filters.FilterSet):
    class Meta:
        model = DecisionChainMember
        fields = ["opportunity", "role", "stance", "coach_level"]


class OpportunityCompetitorFilter(filters.FilterSet):
    class Meta:
        model = OpportunityCompetitor
        fields = ["opportunity", "competitor", "threat", "price_position"]


class CompetitorFilter(filters.FilterSet):
    q = filters.CharFilter(field_name="name", lookup_expr="icontains", label=_("Search"))

    class Meta:
        model = Competitor
        fields = ["is_active"]


class ProductFilter(filters.FilterSet):
    q = filters.CharFilter(method="search", label=_("Search"))

    class Meta:
        model = Product
        fields = ["product_line", "currency", "is_active"]

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(name__icontains=value) | Q(code__iexact=value))


class AgreementPriceFilter(filters.FilterSet):
    valid_on = filters.DateFilter(method="filter_valid_on", label=_("Valid on"))

    class Meta:
        model = AgreementPrice
        fields = ["customer", "partner", "product", "state", "currency"]

    def filter_valid_on(self, queryset, name, value):
        if not value:
            return queryset
        return queryset.filter(valid_from__lte=value).filter(
            Q(valid_to__isnull=True) | Q(valid_to__gte=value)
        )

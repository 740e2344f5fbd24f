"""Filters shared by the API and the pages: the lists' FilterSets, and the dashboards' common
filters (org subtree, period, product line, currency, person)."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.choices import Tier
from accounts.models import User
from core import filters
from core.choices import Currency
from core.errors import ValidationFailed
from core.params import QueryParams

from .choices import ActionStatus, Metric, Quadrant, RelationshipStage
from .models import (
    AccountPlan,
    AccountProfile,
    Commitment,
    PlanAction,
    PurchaseDriver,
    SalesTarget,
    TierChange,
    TierCriteria,
)
from .selectors import people_for, periods, units_for
from .selectors.dashboards import Filters


class SubtreeFilter(filters.NumberFilter):
    """An org unit id: the rows of that unit and every unit below it."""

    def __init__(self, *args, path: str = "org_unit", **kwargs):
        self.path = path
        kwargs.setdefault("label", gettext_lazy("Org unit (with the units below)"))
        super().__init__(*args, **kwargs)

    def filter(self, qs, value):
        if value in (None, ""):
            return qs
        from accounts.models import OrgUnit

        unit = OrgUnit.objects.filter(pk=value).first()
        if unit is None:
            return qs.none()
        return qs.filter(**{f"{self.path}__path__startswith": unit.path})


class TierCriteriaFilter(filters.FilterSet):
    class Meta:
        model = TierCriteria
        fields = ["org_unit", "product_line", "is_active"]


class AccountProfileFilter(filters.FilterSet):
    quadrant = filters.ChoiceFilter(choices=Quadrant.choices, label=gettext_lazy("Quadrant"))
    relationship_stage = filters.ChoiceFilter(
        choices=RelationshipStage.choices, label=gettext_lazy("Relationship stage")
    )
    tier = filters.ChoiceFilter(
        field_name="customer__tier", choices=Tier.choices, label=gettext_lazy("Tier")
    )
    unit = SubtreeFilter(path="customer__org_unit")

    class Meta:
        model = AccountProfile
        fields = ["customer", "quadrant", "relationship_stage"]


class PurchaseDriverFilter(filters.FilterSet):
    customer = filters.NumberFilter(field_name="profile__customer")

    class Meta:
        model = PurchaseDriver
        fields = ["product_line"]


class TierChangeFilter(filters.FilterSet):
    class Meta:
        model = TierChange
        fields = ["customer", "source", "to_tier"]


class AccountPlanFilter(filters.FilterSet):
    unit = SubtreeFilter()
    active_on = filters.DateFilter(method="filter_active_on", label=gettext_lazy("Active on"))

    class Meta:
        model = AccountPlan
        fields = ["customer", "owner"]

    def filter_active_on(self, queryset, name, value):
        return queryset.filter(starts_on__lte=value, ends_on__gte=value)


class PlanActionFilter(filters.FilterSet):
    status = filters.ChoiceFilter(choices=ActionStatus.choices, label=gettext_lazy("Status"))
    due_before = filters.DateFilter(field_name="due_on", lookup_expr="lte")

    class Meta:
        model = PlanAction
        fields = ["plan", "owner", "status"]


class SalesTargetFilter(filters.FilterSet):
    metric = filters.ChoiceFilter(choices=Metric.choices, label=gettext_lazy("Measure"))
    unit = SubtreeFilter()
    year = filters.NumberFilter(label=gettext_lazy("Year"))
    people = filters.BooleanFilter(
        field_name="user", lookup_expr="isnull", exclude=True, label=gettext_lazy("People only")
    )

    class Meta:
        model = SalesTarget
        fields = ["year", "metric", "org_unit", "user", "currency"]


class CommitmentFilter(filters.FilterSet):
    unit = SubtreeFilter()
    year = filters.NumberFilter(label=gettext_lazy("Year"))

    class Meta:
        model = Commitment
        fields = ["user", "year", "period_kind", "metric", "currency"]


def dashboard_filters(params, user: User) -> Filters:
    """The dashboards' filters from request parameters; bad input is a 400 naming the field.
    The org unit must lie in the user's subtree (managers, finance) or be their own."""
    period = periods.parse(params)
    query = QueryParams(params)
    unit = None
    unit_id = query.id("org_unit")
    if unit_id is not None:
        unit = units_for(user).filter(pk=unit_id).first()
        if unit is None:
            raise ValidationFailed(
                _("Invalid filter."), fields={"org_unit": [_("Not an org unit you may view.")]}
            )
    currency = query.choice("currency", Currency.values, default=Currency.CNY)
    return Filters(
        period=period,
        unit=unit,
        product_line=query.text("product_line", max_length=100),
        currency=currency,
    )


def person_filter(params, user: User, *, default_self: bool) -> User | None:
    """The person a dashboard is about: `person` if the user may look at them; by default
    the user themselves (when `default_self`) or nobody (the whole subtree)."""
    person_id = QueryParams(params).id("person")
    if person_id is None:
        return user if default_self else None
    person = people_for(user).filter(pk=person_id).first()
    if person is None:
        raise ValidationFailed(
            _("Invalid filter."), fields={"person": [_("Not a person whose figures you may view.")]}
        )
    return person


def filters_echo(f: Filters) -> dict:
    return {
        "date_from": f.period.start,
        "date_to": f.period.end,
        "org_unit": f.unit.pk if f.unit else None,
        "product_line": f.product_line,
        "currency": f.currency,
    }

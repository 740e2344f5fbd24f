"""The filters of contract execution, shared by the API and the pages."""

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.filters import OverdueNextStepFilter
from core import filters
from core.custom_fields.filtering import custom_text_search

from .choices import DeliverableState, DeliveryMilestoneState
from .models import (
    ChangeRequest,
    Contract,
    ContractAmendment,
    ContractDocument,
    ContractEvaluation,
    Deliverable,
    DeliveryMilestone,
)


class ContractFilter(filters.FilterSet):
    q = filters.CharFilter(method="search", label=_("Search"))
    signed_after = filters.DateFilter(field_name="signed_on", lookup_expr="gte")
    signed_before = filters.DateFilter(field_name="signed_on", lookup_expr="lte")
    ends_before = filters.DateFilter(field_name="ends_on", lookup_expr="lte")
    overdue_next_step = OverdueNextStepFilter()

    class Meta:
        model = Contract
        fields = ["state", "kind", "framework", "owner", "org_unit", "customer", "currency"]

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        queryset, custom = custom_text_search(queryset, value)
        return queryset.filter(
            Q(title__icontains=value)
            | Q(number__iexact=value)
            | Q(customer_reference__iexact=value)
            | Q(customer__name__icontains=value)
            | custom
        )


class DeliverableFilter(filters.FilterSet):
    overdue = filters.BooleanFilter(method="filter_overdue", label=_("Overdue"))

    class Meta:
        model = Deliverable
        fields = ["contract", "state", "owner"]

    def filter_overdue(self, queryset, name, value):
        if value is None:
            return queryset
        late = Q(
            state__in=[DeliverableState.PLANNED, DeliverableState.IN_PROGRESS],
            due_on__lt=timezone.localdate(),
        )
        return queryset.filter(late) if value else queryset.exclude(late)


class DeliveryMilestoneFilter(filters.FilterSet):
    overdue = filters.BooleanFilter(method="filter_overdue", label=_("Overdue"))
    planned_after = filters.DateFilter(field_name="planned_date", lookup_expr="gte")
    planned_before = filters.DateFilter(field_name="planned_date", lookup_expr="lte")

    class Meta:
        model = DeliveryMilestone
        fields = ["contract", "kind", "state", "owner"]

    def filter_overdue(self, queryset, name, value):
        if value is None:
            return queryset
        late = Q(state=DeliveryMilestoneState.PLANNED, planned_date__lt=timezone.localdate())
        return queryset.filter(late) if value else queryset.exclude(late)


class ChangeRequestFilter(filters.FilterSet):
    q = filters.CharFilter(method="search", label=_("Search"))

    class Meta:
        model = ChangeRequest
        fields = ["contract", "state"]

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(title__icontains=value) | Q(number__iexact=value))


class ContractAmendmentFilter(filters.FilterSet):
    class Meta:
        model = ContractAmendment
        fields = ["contract"]


class ContractDocumentFilter(filters.FilterSet):
    class Meta:
        model = ContractDocument
        fields = ["contract", "kind", "milestone"]


class ContractEvaluationFilter(filters.FilterSet):
    org_unit = filters.NumberFilter(field_name="contract__org_unit")
    evaluated_after = filters.DateFilter(field_name="created_at", lookup_expr="date__gte")
    evaluated_before = filters.DateFilter(field_name="created_at", lookup_expr="date__lte")

    class Meta:
        model = ContractEvaluation
        fields = ["contract", "acceptance_rating"]

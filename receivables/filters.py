"""One FilterSet per list, shared by the API and the pages."""

from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.filters import OverdueNextStepFilter
from core import filters

from .choices import (
    OPEN_MILESTONE_STATES,
    RECEIVABLE_STATES,
    AgeingBucket,
    InvoiceState,
    MilestoneKind,
    MilestoneState,
    PaymentMethod,
    ReceiptState,
    WriteOffState,
)
from .models import Invoice, MilestoneReminder, PaymentMilestone, Receipt, WriteOffRequest
from .selectors.reports import bucket_filters


class PaymentMilestoneFilter(filters.FilterSet):
    state = filters.ChoiceFilter(label=_("State"), choices=MilestoneState.choices)
    kind = filters.ChoiceFilter(label=_("Kind"), choices=MilestoneKind.choices)
    overdue = filters.BooleanFilter(method="filter_overdue", label=_("Overdue"))
    open = filters.BooleanFilter(method="filter_open", label=_("Still open"))
    receivable = filters.BooleanFilter(
        method="filter_receivable", label=_("Receivable (trigger reached)")
    )
    age = filters.ChoiceFilter(method="filter_age", label=_("Age"), choices=AgeingBucket.choices)
    due_after = filters.DateFilter(field_name="due_date", lookup_expr="gte", label=_("Due from"))
    due_before = filters.DateFilter(field_name="due_date", lookup_expr="lte", label=_("Due until"))
    owner = filters.NumberFilter(field_name="contract__owner", label=_("Owner (AR)"))
    org_unit = filters.NumberFilter(field_name="contract__org_unit", label=_("Org unit"))
    customer = filters.NumberFilter(field_name="contract__customer", label=_("Customer"))
    overdue_next_step = OverdueNextStepFilter()

    class Meta:
        model = PaymentMilestone
        fields = ["contract", "state", "kind", "currency", "trigger"]

    def filter_overdue(self, queryset, name, value):
        if value is None:
            return queryset
        overdue = Q(state__in=OPEN_MILESTONE_STATES, due_date__lt=timezone.localdate())
        return queryset.filter(overdue) if value else queryset.exclude(overdue)

    def filter_open(self, queryset, name, value):
        if value is None:
            return queryset
        return (
            queryset.filter(state__in=OPEN_MILESTONE_STATES)
            if value
            else queryset.exclude(state__in=OPEN_MILESTONE_STATES)
        )

    def filter_receivable(self, queryset, name, value):
        """Receivables as the ageing report counts them: fell due, not yet paid."""
        if value is None:
            return queryset
        receivable = Q(state__in=RECEIVABLE_STATES)
        return queryset.filter(receivable) if value else queryset.exclude(receivable)

    def filter_age(self, queryset, name, value):
        """Receivables in one ageing bucket (as the ageing report counts them)."""
        if not value:
            return queryset
        return queryset.filter(bucket_filters(timezone.localdate())[value]).filter(
            state__in=RECEIVABLE_STATES
        )


class ReceiptFilter(filters.FilterSet):
    state = filters.ChoiceFilter(label=_("State"), choices=ReceiptState.choices)
    method = filters.ChoiceFilter(label=_("Method"), choices=PaymentMethod.choices)
    received_after = filters.DateFilter(
        field_name="received_on", lookup_expr="gte", label=_("Received from")
    )
    received_before = filters.DateFilter(
        field_name="received_on", lookup_expr="lte", label=_("Received until")
    )
    unapplied = filters.BooleanFilter(method="filter_unapplied", label=_("Has unapplied credit"))

    class Meta:
        model = Receipt
        fields = ["customer", "contract", "state", "method", "org_unit", "currency"]

    def filter_unapplied(self, queryset, name, value):
        if value is None:
            return queryset
        credit = Q(state=ReceiptState.POSTED, allocated_amount__lt=F("amount"))
        return queryset.filter(credit) if value else queryset.exclude(credit)


class InvoiceFilter(filters.FilterSet):
    state = filters.ChoiceFilter(label=_("State"), choices=InvoiceState.choices)
    unpaid = filters.BooleanFilter(method="filter_unpaid", label=_("Not fully paid"))
    issued_after = filters.DateFilter(
        field_name="issued_on", lookup_expr="gte", label=_("Issued from")
    )
    issued_before = filters.DateFilter(
        field_name="issued_on", lookup_expr="lte", label=_("Issued until")
    )

    class Meta:
        model = Invoice
        fields = ["customer", "contract", "milestone", "state", "kind", "currency"]

    def filter_unpaid(self, queryset, name, value):
        if value is None:
            return queryset
        unpaid = Q(state=InvoiceState.ISSUED, paid_amount__lt=F("amount"))
        return queryset.filter(unpaid) if value else queryset.exclude(unpaid)


class WriteOffRequestFilter(filters.FilterSet):
    state = filters.ChoiceFilter(label=_("State"), choices=WriteOffState.choices)

    class Meta:
        model = WriteOffRequest
        fields = ["milestone", "state", "requested_by"]


class MilestoneReminderFilter(filters.FilterSet):
    sent_after = filters.DateFilter(field_name="sent_on", lookup_expr="gte")
    sent_before = filters.DateFilter(field_name="sent_on", lookup_expr="lte")

    class Meta:
        model = MilestoneReminder
        fields = ["milestone", "kind"]

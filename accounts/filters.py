from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core import filters
from core.custom_fields.filtering import custom_text_search

from .choices import ActivityKind, RegistrationState
from .models import Activity, Customer, CustomerRegistration
from .normalise import normalise_company_name
from .selectors import overdue_next_step, overdue_q, registrations_to_rule


class OverdueNextStepFilter(filters.BooleanFilter):
    """`overdue_next_step=true`: records (opportunities, contracts, milestones ...) with an
    activity whose next step is past its date and not done; `false`: those without."""

    def __init__(self, **kwargs):
        kwargs.setdefault("label", _("Next step overdue"))
        super().__init__(**kwargs)

    def filter(self, qs, value):
        if value is None:
            return qs
        flag = overdue_next_step(qs.model)
        return qs.filter(flag) if value else qs.exclude(flag)


class CustomerFilter(filters.FilterSet):
    q = filters.CharFilter(method="search", label=_("Search"))

    class Meta:
        model = Customer
        fields = ["tier", "industry", "owner", "org_unit", "region"]

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        queryset, custom = custom_text_search(queryset, value)
        return queryset.filter(
            Q(normalised_name__contains=normalise_company_name(value) or value) | custom
        )


class ActivityFilter(filters.FilterSet):
    """Activities by customer, owner, kind, and whether their next step is overdue. (By
    subject: `subject_type` and `subject_id`, which the viewset resolves through the policy.)"""

    kind = filters.ChoiceFilter(choices=ActivityKind.choices, label=_("Kind"))
    overdue = filters.BooleanFilter(method="filter_overdue", label=_("Next step overdue"))
    open_next_step = filters.BooleanFilter(method="filter_open", label=_("Next step open"))

    class Meta:
        model = Activity
        fields = ["kind", "customer", "owner"]

    def filter_overdue(self, queryset, name, value):
        if value is None:
            return queryset
        return queryset.filter(overdue_q()) if value else queryset.exclude(overdue_q())

    def filter_open(self, queryset, name, value):
        if value is None:
            return queryset
        q = Q(next_step_done_at__isnull=True) & ~Q(next_step="")
        return queryset.filter(q) if value else queryset.exclude(q)


class CustomerRegistrationFilter(filters.FilterSet):
    """Registrations by state, customer and owner; `show=mine` the user's own, `show=ruling`
    the contested ones waiting for the user's ruling."""

    SHOW = [("mine", _("Mine")), ("ruling", _("Waiting for my ruling"))]

    state = filters.ChoiceFilter(choices=RegistrationState.choices, label=_("State"))
    show = filters.ChoiceFilter(choices=SHOW, method="filter_show", label=_("Show"))

    class Meta:
        model = CustomerRegistration
        fields = ["state", "customer", "owner"]

    def filter_show(self, queryset, name, value):
        user = getattr(self.request, "user", None)
        if not value or user is None:
            return queryset
        if value == "mine":
            return queryset.filter(owner=user)
        return queryset.filter(pk__in=registrations_to_rule(user=user).values("pk"))

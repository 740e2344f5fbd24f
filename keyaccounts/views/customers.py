"""Pages of the customer matrix and tiering: the criteria, the planning settings, a customer's
profile and purchase drivers, tier overrides."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import TemplateView

from accounts.choices import Tier
from accounts.selectors import customer_list
from core import policy
from core.errors import ApplicationError
from core.jobs import job_request
from core.params import query_params
from core.web import RecordFormPage

from .. import services
from ..charts import chart
from ..forms import (
    DriverForm,
    PlanningSettingsForm,
    ProfileForm,
    TierCriteriaForm,
    TierOverrideForm,
)
from ..selectors import criteria_list, matrix, units_for
from .base import Section, _unit_param

# --- Customer matrix and tiering -----------------------------------------------------------


class OverviewPage(Section, LoginRequiredMixin, TemplateView):
    template_name = "keyaccounts/overview.html"
    section = "overview"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        data = matrix(
            user=self.request.user,
            unit=_unit_param(self.request),
            tier=query_params(self.request).choice("tier", Tier.values),
        )
        context.update(
            data,
            units=units_for(self.request.user),
            tiers=Tier.choices,
            chart=chart(
                "bar",
                [q["label"] for q in data["quadrants"]],
                [{"label": _("Accounts"), "data": [q["count"] for q in data["quadrants"]]}],
            ),
        )
        return context


class CriteriaListPage(Section, LoginRequiredMixin, TemplateView):
    template_name = "keyaccounts/criteria_list.html"
    section = "criteria"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["rows"] = criteria_list(user=self.request.user)
        context["may_manage"] = policy.may(self.request.user, "settings.change_unit")
        return context


class CriteriaCreatePage(RecordFormPage):
    form_class = TierCriteriaForm
    title = gettext_lazy("New tier criteria")

    def save(self, form):
        return services.tier_criteria_create(by=self.request.user, data=form.cleaned_data)


class CriteriaEditPage(RecordFormPage):
    form_class = TierCriteriaForm
    title = gettext_lazy("Edit tier criteria")

    def base_queryset(self):
        return criteria_list(user=self.request.user)

    def save(self, form):
        return services.tier_criteria_update(
            criteria=self.get_object(), by=self.request.user, data=form.cleaned_data
        )


class RecomputeView(LoginRequiredMixin, View):
    def post(self, request):
        if not services.may_recompute_tiers(request.user):
            messages.error(request, _("Only a sales manager may recompute tiers."))
        else:
            run, created = job_request(name="keyaccounts-recompute-tiers", by=request.user)
            if created:
                messages.success(request, _("Tier recompute started; it runs in the background."))
            else:
                messages.info(request, _("A tier recompute is already under way."))
        return HttpResponseRedirect(reverse("keyaccounts:criteria"))


class SettingsPage(RecordFormPage):
    form_class = PlanningSettingsForm
    title = gettext_lazy("Planning settings")

    def get_initial(self):
        unit = self.request.user.org_unit
        current = services.settings_for(unit)
        return {
            "org_unit": unit,
            **{
                f: getattr(current, f)
                for f in (
                    "currency",
                    "high_potential_amount",
                    "strong_relationship_level",
                    "coverage_ratio",
                    "renewal_lead_days",
                )
            },
        }

    def save(self, form):
        data = dict(form.cleaned_data)
        unit = data.pop("org_unit")
        return services.planning_settings_save(by=self.request.user, org_unit=unit, data=data)


class _CustomerForm(RecordFormPage):
    """A form about one customer the user may change; back to the customer's page."""

    def customer(self):
        return get_object_or_404(
            policy.restrict(customer_list(user=self.request.user), self.request.user, "view"),
            pk=self.kwargs["customer_pk"],
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["object"] = self.customer()
        return context


class ProfileEditPage(_CustomerForm):
    form_class = ProfileForm
    title = gettext_lazy("Key-account profile")

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["instance"] = services.profile_for(self.customer())
        return kwargs

    def save(self, form):
        return services.profile_update(
            customer=self.customer(), by=self.request.user, data=form.cleaned_data
        )


class DriverCreatePage(_CustomerForm):
    form_class = DriverForm
    title = gettext_lazy("New purchase driver")

    def save(self, form):
        services.purchase_driver_create(
            customer=self.customer(), by=self.request.user, data=form.cleaned_data
        )
        return self.customer()


class TierOverridePage(_CustomerForm):
    form_class = TierOverrideForm
    title = gettext_lazy("Override the tier")

    def save(self, form):
        services.customer_tier_override(
            customer=self.customer(), by=self.request.user, **form.cleaned_data
        )
        return self.customer()


class TierOverrideClearView(LoginRequiredMixin, View):
    def post(self, request, customer_pk):
        customer = get_object_or_404(customer_list(user=request.user), pk=customer_pk)
        try:
            services.customer_tier_override_clear(customer=customer, by=request.user)
        except ApplicationError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("The criteria decide the tier again."))
        return HttpResponseRedirect(customer.get_absolute_url())

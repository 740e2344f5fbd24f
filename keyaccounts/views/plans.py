"""Pages of account plans, their targets and their actions."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from core import policy
from core.errors import ApplicationError
from core.params import query_params
from core.web import ListPage, RecordFormPage, RecordPage

from .. import services
from ..charts import chart
from ..filters import AccountPlanFilter
from ..forms import PlanActionForm, PlanForm, PlanTargetForm
from ..selectors import action_list, plan_list, plan_performance
from .base import Section

# --- Account plans -------------------------------------------------------------------------


class PlanListPage(Section, ListPage):
    template_name = "keyaccounts/plan_list.html"
    section = "plans"
    filterset_class = AccountPlanFilter
    ordering_choices = [("-id", gettext_lazy("Newest")), ("-starts_on", gettext_lazy("Period"))]

    def base_queryset(self):
        return plan_list(user=self.request.user)


class PlanCreatePage(RecordFormPage):
    form_class = PlanForm
    title = gettext_lazy("New account plan")

    def get_initial(self):
        year = timezone.localdate().year
        return {
            "customer": query_params(self.request).id("customer"),
            "name": str(year),
            "starts_on": dt.date(year, 1, 1),
            "ends_on": dt.date(year, 12, 31),
        }

    def save(self, form):
        data = dict(form.cleaned_data)
        sr, fr = data.pop("sr"), data.pop("fr")
        return services.account_plan_create(by=self.request.user, data=data, sr=sr, fr=fr)


class PlanPage(Section, RecordPage):
    template_name = "keyaccounts/plan_detail.html"
    section = "plans"

    def base_queryset(self):
        return plan_list(user=self.request.user).prefetch_related("targets", "actions__owner")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        plan = context["object"]
        performance = plan_performance(plan=plan, user=self.request.user)
        rows = performance["products"]
        context.update(
            performance=performance,
            today=timezone.localdate(),
            chart=chart(
                "bar",
                [r["product_line"] or _("(none)") for r in rows],
                [
                    {"label": _("Target"), "data": [r["target"] for r in rows]},
                    {"label": _("Floor target"), "data": [r["floor"] for r in rows]},
                    {"label": _("Actual"), "data": [r["actual"] for r in rows]},
                ],
            ),
        )
        return context


class _PlanForm(RecordFormPage):
    def plan(self):
        plan = get_object_or_404(plan_list(user=self.request.user), pk=self.kwargs["pk"])
        if not policy.can(self.request.user, plan, "change"):
            raise Http404
        return plan

    def get_object(self):
        return None

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["object"] = self.plan()
        return context


class PlanTargetCreatePage(_PlanForm):
    form_class = PlanTargetForm
    title = gettext_lazy("Target per product")

    def save(self, form):
        plan = self.plan()
        services.plan_target_set(plan=plan, by=self.request.user, **form.cleaned_data)
        return plan


class PlanActionCreatePage(_PlanForm):
    form_class = PlanActionForm
    title = gettext_lazy("New action")

    def save(self, form):
        return services.plan_action_create(
            plan=self.plan(), by=self.request.user, data=form.cleaned_data
        )


class ActionStatusView(LoginRequiredMixin, View):
    def post(self, request, pk):
        action = get_object_or_404(action_list(user=request.user), pk=pk)
        try:
            services.plan_action_set_status(
                action=action, by=request.user, status=request.POST.get("status", "")
            )
        except ApplicationError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("Saved."))
        return HttpResponseRedirect(request.POST.get("next") or action.get_absolute_url())

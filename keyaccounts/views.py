"""Pages of key-account management. Writes go through the services; figures through the
same selectors as the API, so a page's table and the API always agree."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
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
from core.web import ListPage, RecordFormPage, RecordPage

from . import dashboards, planning, retention, services
from .charts import chart
from .filters import AccountPlanFilter, dashboard_filters, person_filter
from .forms import (
    AdjustForm,
    CommitmentForm,
    DriverForm,
    PlanActionForm,
    PlanForm,
    PlanningSettingsForm,
    PlanTargetForm,
    ProfileForm,
    TargetForm,
    TierCriteriaForm,
    TierOverrideForm,
)
from .models import TargetAdjustment
from .periods import year as year_period
from .selectors import (
    action_list,
    commitment_list,
    criteria_list,
    matrix,
    people_for,
    plan_list,
    plan_performance,
    renewal_list,
    target_list,
    units_for,
)
from .services._common import manages

SECTIONS = [
    ("overview", gettext_lazy("Customer matrix")),
    ("plans", gettext_lazy("Account plans")),
    ("targets", gettext_lazy("Targets and coverage")),
    ("commitments", gettext_lazy("Commitments")),
    ("renewals", gettext_lazy("Renewals")),
    ("funnel", gettext_lazy("Funnel")),
    ("pipeline", gettext_lazy("My pipeline")),
    ("presales", gettext_lazy("Pre-sales")),
    ("collections", gettext_lazy("Collections")),
    ("criteria", gettext_lazy("Tier criteria")),
]


class Section:
    """Mixin: the section tabs every page of this app shows."""

    section = ""

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["sections"] = [
            {"name": n, "label": label, "active": n == self.section} for n, label in SECTIONS
        ]
        return context


def _unit_param(request):
    unit_id = query_params(request).id("unit")
    return None if unit_id is None else units_for(request.user).filter(pk=unit_id).first()


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


# --- Targets, coverage, commitments -------------------------------------------------------


def _year(request) -> int:
    return query_params(request).int(
        "year", timezone.localdate().year, min_value=2000, max_value=2100
    )


class TargetListPage(Section, LoginRequiredMixin, TemplateView):
    template_name = "keyaccounts/target_list.html"
    section = "targets"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user, year = self.request.user, _year(self.request)
        targets = target_list(user=user).filter(year=year)
        unit = _unit_param(self.request)
        if unit is not None:
            targets = targets.filter(org_unit__path__startswith=unit.path)
        targets = list(targets[:300])
        figures = planning.attainment(targets, year_period(year), user=user)
        rows = [{"obj": t, **figures[t.pk]} for t in targets]
        cover = planning.coverage(targets, None, user=user)
        context.update(
            year=year,
            rows=rows,
            coverage=cover,
            units=units_for(user),
            may_manage=policy.may(user, "settings.change_unit"),
            chart=chart(
                "bar",
                [str(r["target"].user or r["target"].org_unit) for r in cover],
                [
                    {
                        "label": _("Weighted pipeline"),
                        "data": [r["weighted_pipeline"] for r in cover],
                    },
                    {"label": _("Needed"), "data": [r["remaining"] * r["required"] for r in cover]},
                ],
            ),
        )
        return context


class TargetCreatePage(RecordFormPage):
    form_class = TargetForm
    title = gettext_lazy("New target")

    def get_initial(self):
        return {"year": timezone.localdate().year, "org_unit": self.request.user.org_unit}

    def save(self, form):
        return services.sales_target_create(by=self.request.user, **form.cleaned_data)


class TargetPage(Section, RecordPage):
    template_name = "keyaccounts/target_detail.html"
    section = "targets"

    def base_queryset(self):
        return target_list(user=self.request.user)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        target = context["object"]
        figures = planning.target_months(target, user=self.request.user)
        months = figures["months"]
        context.update(
            figures=figures,
            adjustments=TargetAdjustment.objects.filter(target=target).select_related("by"),
            may_adjust=manages(self.request.user, target.org_unit),
            chart=chart(
                "line",
                [str(m["month"]) for m in months],
                [
                    {
                        "label": _("Cumulative target"),
                        "data": [m["cumulative_target"] for m in months],
                    },
                    {
                        "label": _("Cumulative actual"),
                        "data": [m["cumulative_actual"] for m in months],
                    },
                ],
            ),
        )
        return context


class TargetAdjustPage(RecordFormPage):
    form_class = AdjustForm
    title = gettext_lazy("Adjust the target")

    def target(self):
        return get_object_or_404(target_list(user=self.request.user), pk=self.kwargs["pk"])

    def get_object(self):
        return None

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["months"] = {m.month: m.amount for m in self.target().months.all()}
        return kwargs

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["object"] = self.target()
        return context

    def save(self, form):
        target = self.target()
        services.sales_target_adjust(
            target=target,
            by=self.request.user,
            months=form.months(),
            reason=form.cleaned_data["reason"],
        )
        return target


class CommitmentsPage(Section, LoginRequiredMixin, TemplateView):
    template_name = "keyaccounts/commitments.html"
    section = "commitments"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user, year = self.request.user, _year(self.request)
        commitments = list(commitment_list(user=user).filter(year=year)[:500])
        rows = planning.commitment_rows(commitments, user=user)
        context.update(
            year=year,
            rows=rows,
            accuracy=planning.accuracy_over_time(rows),
            chart=chart(
                "bar",
                [
                    f"{r['commitment'].user} {r['commitment'].period_kind[0].upper()}"
                    f"{r['commitment'].period}"
                    for r in rows
                ],
                [
                    {"label": _("Committed"), "data": [r["commitment"].amount for r in rows]},
                    {"label": _("Actual"), "data": [r["actual"] for r in rows]},
                ],
            ),
        )
        return context


class CommitmentCreatePage(RecordFormPage):
    form_class = CommitmentForm
    title = gettext_lazy("Commit")

    def get_initial(self):
        today = timezone.localdate()
        return {
            "year": today.year,
            "period_kind": "month",
            "period": today.month,
            "metric": "orders",
        }

    def save(self, form):
        services.commitment_save(by=self.request.user, **form.cleaned_data)
        return _Redirect(reverse("keyaccounts:commitments"))


class _Redirect:
    def __init__(self, url: str):
        self.url = url

    def get_absolute_url(self) -> str:
        return self.url


# --- Renewals and dashboards --------------------------------------------------------------


class DashboardPage(Section, LoginRequiredMixin, TemplateView):
    """A dashboard with the common filters; bad filters fall back to the defaults with a
    message, never a 500."""

    person_default_self = False
    uses_person = False

    def filters(self):
        try:
            f = dashboard_filters(self.request.GET, self.request.user)
            person = (
                person_filter(
                    self.request.GET,
                    self.request.user,
                    default_self=self.person_default_self and not f.unit,
                )
                if self.uses_person
                else None
            )
        except ApplicationError as error:
            messages.error(
                self.request,
                " ".join(m for msgs in error.fields.values() for m in msgs) or error.message,
            )
            f = dashboard_filters({}, self.request.user)
            person = self.request.user if self.person_default_self else None
        return f, person

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        f, person = self.filters()
        context.update(
            f=f,
            person=person,
            units=units_for(self.request.user),
            people=people_for(self.request.user) if self.uses_person else [],
            uses_person=self.uses_person,
            **self.figures(f, person),
        )
        return context

    def figures(self, f, person) -> dict:
        raise NotImplementedError


class FunnelPage(DashboardPage):
    template_name = "keyaccounts/funnel.html"
    section = "funnel"

    def figures(self, f, person):
        data = dashboards.funnel(self.request.user, f)
        stages = data["stages"]
        return {
            "data": data,
            "chart": chart(
                "bar",
                [s["label"] for s in stages],
                [{"label": _("Amount"), "data": [s["amount"] for s in stages]}],
                horizontal=True,
            ),
            "conversion_chart": chart(
                "bar",
                [c["label"] for c in data["conversion"]],
                [
                    {
                        "label": _("Conversion %"),
                        "data": [c["conversion_pct"] or 0 for c in data["conversion"]],
                    }
                ],
            ),
        }


class PipelinePage(DashboardPage):
    template_name = "keyaccounts/pipeline.html"
    section = "pipeline"
    uses_person = True
    person_default_self = True

    def figures(self, f, person):
        data = dashboards.rep(self.request.user, f, person)
        return {
            "data": data,
            "chart": chart(
                "bar",
                [c["month"] for c in data["closing"]],
                [
                    {"label": _("Amount"), "data": [c["amount"] for c in data["closing"]]},
                    {"label": _("Weighted"), "data": [c["weighted"] for c in data["closing"]]},
                ],
            ),
        }


class PresalesPage(DashboardPage):
    template_name = "keyaccounts/presales.html"
    section = "presales"
    uses_person = True
    person_default_self = True

    def figures(self, f, person):
        data = dashboards.presales(self.request.user, f, person)
        return {
            "data": data,
            "chart": chart(
                "bar",
                [s["label"] for s in data["stages"]],
                [{"label": _("Opportunities"), "data": [s["count"] for s in data["stages"]]}],
            ),
        }


class CollectionsPage(DashboardPage):
    template_name = "keyaccounts/collections.html"
    section = "collections"

    def figures(self, f, person):
        data = dashboards.collections(self.request.user, f)
        return {
            "data": data,
            "chart": chart(
                "line",
                [m["month"] for m in data["months"]],
                [
                    {"label": _("Collected"), "data": [m["collected"] for m in data["months"]]},
                    {"label": _("Target"), "data": [m["target"] for m in data["months"]]},
                ],
            ),
        }


class RenewalsPage(DashboardPage):
    template_name = "keyaccounts/renewals.html"
    section = "renewals"

    def figures(self, f, person):
        granularity = query_params(self.request).choice(
            "granularity", ["year", "quarter"], default="year"
        )
        data = retention.revenue_history(self.request.user, f, granularity=granularity)
        totals = data["totals"]
        return {
            "data": data,
            "granularity": granularity,
            "links": renewal_list(user=self.request.user)[:50],
            "chart": chart(
                "bar",
                data["periods"],
                [
                    {"label": _("Recurring"), "data": [t["recurring"] for t in totals]},
                    {"label": _("New"), "data": [t["new"] for t in totals]},
                    {"label": _("Churned"), "data": [-t["churned"] for t in totals]},
                ],
                stacked=True,
            ),
        }


def home_panel(user) -> dict | None:
    """Home: a rep's or manager's targets at a glance, coverage warnings and due actions."""
    if not policy.may(user, "keyaccounts.targets_panel"):
        return None
    year = timezone.localdate().year
    targets = target_list(user=user).filter(year=year)
    if policy.may(user, "keyaccounts.own_targets_only"):
        targets = targets.filter(user=user)
    targets = list(targets[:20])
    figures = planning.attainment(targets, year_period(year), user=user)
    short = [r for r in planning.coverage(targets, None, user=user) if r["short"]]
    today = timezone.localdate()
    actions = list(
        action_list(user=user)
        .filter(owner=user, status="open", due_on__lte=today + dt.timedelta(days=14))
        .order_by("due_on")[:10]
    )
    if not (targets or actions):
        return None
    return {
        "targets": [{"obj": t, **figures[t.pk]} for t in targets],
        "short": short,
        "actions": actions,
        "today": today,
    }

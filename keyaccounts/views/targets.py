"""Pages of targets, coverage and commitments."""

from __future__ import annotations

from django.contrib.auth.mixins import LoginRequiredMixin
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView

from core import policy
from core.params import query_params
from core.web import RecordFormPage, RecordPage

from .. import services
from ..charts import chart
from ..forms import AdjustForm, CommitmentForm, TargetForm
from ..models import TargetAdjustment
from ..selectors import commitment_list, planning, target_list, units_for
from ..selectors.periods import year as year_period
from ..services._common import manages
from .base import Section, _unit_param

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

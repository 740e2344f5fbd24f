"""Pages of contract evaluation (合同评价): evaluate a closed contract, and the report across
contracts (averages by org unit and period)."""

from __future__ import annotations

from django.contrib.auth.mixins import LoginRequiredMixin
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView

from core.replica import ReplicaReads

from ..choices import ReportGrouping, ReportPeriod
from ..forms import EvaluationForm, ReportForm
from ..selectors import evaluation_list, evaluation_report
from ..services import contract_evaluate
from ..services.evaluation import evaluation_figures
from .base import ContractChildFormPage


class EvaluationPage(ContractChildFormPage):
    form_class = EvaluationForm
    title = _("Evaluate the contract")
    template_name = "contracts/evaluation_form.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["figures"] = evaluation_figures(self.contract())
        return context

    def save(self, form):
        data = form.cleaned_data
        contract_evaluate(
            contract=self.contract(),
            by=self.request.user,
            actual_cost=data["actual_cost"],
            acceptance_rating=data["acceptance_rating"],
            lessons_learnt=data["lessons_learnt"],
        )
        return self.contract()


class EvaluationReportPage(ReplicaReads, LoginRequiredMixin, TemplateView):
    """Evaluations across the contracts the user may see: averages by org unit and/or period,
    and the latest evaluations with their lessons."""

    template_name = "contracts/evaluation_report.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        form = ReportForm(self.request.GET or None)
        values = form.cleaned_data if form.is_bound and form.is_valid() else {}
        report = evaluation_report(
            user=self.request.user,
            group=values.get("group") or ReportGrouping.ORG_UNIT,
            period=values.get("period") or ReportPeriod.QUARTER,
            date_from=values.get("date_from"),
            date_to=values.get("date_to"),
        )
        context.update(
            form=form,
            report=report,
            latest=evaluation_list(user=self.request.user)[:20],
        )
        return context

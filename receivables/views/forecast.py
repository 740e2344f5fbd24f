"""The cash-in forecast page (ADR 29): the curve per week or month beside the plan, with its
interval, the predictions behind it, and the CSV."""

from __future__ import annotations

from django.contrib.auth.mixins import LoginRequiredMixin
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView

from core.params import query_params
from core.replica import ReplicaReads

from ..forecast import cash_curve, milestone_forecasts
from ..forecast.curve import PERIODS
from ..forecast.export import curve_csv


def _period(request) -> str:
    return query_params(request).choice("period", list(PERIODS), default="month")


def chart(cur: dict, period: str) -> dict:
    """Chart.js data for one currency: expected, low, high and the plan per period."""
    fmt = "%m-%d" if period == "week" else "%Y-%m"
    periods = cur["periods"]
    return {
        "type": "line",
        "labels": [p["start"].strftime(fmt) for p in periods],
        "datasets": [
            {"label": _("Expected cash-in"), "data": [float(p["predicted"]) for p in periods]},
            {"label": _("Low (p10)"), "data": [float(p["low"]) for p in periods], "dash": True},
            {"label": _("High (p90)"), "data": [float(p["high"]) for p in periods], "dash": True},
            {"label": _("Plan (due dates)"), "data": [float(p["plan"]) for p in periods]},
        ],
    }


class CashForecastPage(ReplicaReads, LoginRequiredMixin, TemplateView):
    """Expected cash-in per week or month and currency from payment history, with the plan."""

    template_name = "receivables/cash_forecast.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        period = _period(self.request)
        data = cash_curve(user=self.request.user, period=period)
        for i, cur in enumerate(data["currencies"]):
            cur["chart"] = chart(cur, period)
            cur["chart_id"] = f"cash-forecast-chart-{i}"
        refreshed = data["refreshed_at"]
        age = int((timezone.now() - refreshed).total_seconds() // 60) if refreshed else None
        context.update(
            data=data,
            period=period,
            periods=[("week", _("By week")), ("month", _("By month"))],
            age_minutes=age,
            milestones=milestone_forecasts(user=self.request.user, limit=50),
        )
        return context


class CashForecastExportView(LoginRequiredMixin, View):
    def get(self, request):
        return curve_csv(cash_curve(user=request.user, period=_period(request)))

"""Renewals and the dashboards (funnel, pipeline, pre-sales, collections); bad filters fall back
to the defaults with a message."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.generic import TemplateView

from core import policy
from core.errors import ApplicationError
from core.params import query_params
from core.rates import Conversion, conversion_context
from core.replica import ReplicaReads

from ..charts import chart
from ..filters import dashboard_filters, person_filter
from ..selectors import dashboards, people_for, renewal_list, retention, units_for
from ..selectors.converted import funnel_converted
from .base import Section

# --- Renewals and dashboards --------------------------------------------------------------


class DashboardPage(ReplicaReads, Section, LoginRequiredMixin, TemplateView):
    """A dashboard with the common filters; bad filters fall back to the defaults with a
    message, never a 500."""

    person_default_self = False
    uses_person = False

    def defaults_to_self(self) -> bool:
        """A rep's or SR's dashboard is about them by default; a manager's about the team."""
        return self.person_default_self and policy.may(
            self.request.user, "keyaccounts.own_targets_only"
        )

    def filters(self):
        try:
            f = dashboard_filters(self.request.GET, self.request.user)
            person = (
                person_filter(
                    self.request.GET,
                    self.request.user,
                    default_self=self.defaults_to_self() and not f.unit,
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
            person = self.request.user if self.defaults_to_self() else None
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


def deals_url(f, stage: str) -> str:
    """The opportunity list filtered to the deals behind a funnel bar: the funnel's cohort
    (created in the period, its currency, org unit subtree and product line) in `stage`."""
    params = {
        "state": stage,
        "currency": f.currency,
        "created_after": f.period.start.isoformat(),
        "created_before": f.period.end.isoformat(),
    }
    if f.unit is not None:
        params["within_unit"] = f.unit.pk
    if f.product_line:
        params["product_line"] = f.product_line
    return f"{reverse('opportunities:list')}?{urlencode(params)}"


class FunnelPage(DashboardPage):
    template_name = "keyaccounts/funnel.html"
    section = "funnel"

    def figures(self, f, person):
        data = dashboards.funnel(self.request.user, f)
        stages = data["stages"]
        for row in [*stages, *data["ageing"]]:
            row["url"] = deals_url(f, row["stage"])
        per_stage = chart(
            "bar",
            [s["label"] for s in stages],
            [{"label": _("Amount"), "data": [s["amount"] for s in stages]}],
            horizontal=True,
        )
        per_stage["links"] = [s["url"] for s in stages]  # a click on a bar opens its deals
        converted = funnel_converted(self.request.user, f, Conversion.from_params(self.request.GET))
        return {
            **conversion_context(
                self.request,
                [
                    (_("Created in the period, every currency"), converted["amount"]),
                    (_("Open deals, weighted"), converted["weighted"]),
                ],
            ),
            "data": data,
            "chart": per_stage,
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
                    {"label": _("New"), "data": [t["new"] for t in totals], "tone": "gain"},
                    {
                        "label": _("Churned"),
                        "data": [-t["churned"] for t in totals],
                        "tone": "loss",
                    },
                ],
                stacked=True,
            ),
        }

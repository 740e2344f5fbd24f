"""The pipeline board, the forecast and the win/loss report."""

from __future__ import annotations

from collections import defaultdict

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView

from core import policy
from core.errors import ApplicationError
from core.rates import Conversion, conversion_context
from core.replica import ReplicaReads

from ..choices import ForecastCategory, Stage
from ..forecast import (
    Period,
    forecast_by_period,
    weighted_pipeline,
    weighted_pipeline_converted,
)
from ..forms import BoardFilterForm, ForecastFilterForm
from ..selectors import (
    BOARD_WON_DAYS,
    board,
    opportunity_list,
    win_loss_by_competitor,
    win_loss_by_reason,
)
from ..services import GATED_STAGES, opportunity_move

#: The next stage on the board for each stage (the card's "move on" button).
NEXT_STAGE = {
    Stage.IDENTIFIED: Stage.INITIATED,
    Stage.INITIATED: Stage.GUIDING,
    Stage.GUIDING: Stage.BIDDING,
    Stage.BIDDING: Stage.BID_SUBMITTED,
    Stage.BID_SUBMITTED: Stage.NEGOTIATING,
    Stage.NEGOTIATING: Stage.WON,
}

BOARD_CARDS = 20  # per column on the board page


class BoardPage(LoginRequiredMixin, TemplateView):
    """The pipeline as a kanban board by stage. Each card can be moved to the next stage with
    a button (or dragged); into a gated stage that opens the gate review instead."""

    template_name = "opportunities/board.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        form = BoardFilterForm(self.request.GET or None, user=user)
        filters, stuck = {}, False
        if form.is_valid():
            if form.cleaned_data.get("owner"):
                filters["owner"] = form.cleaned_data["owner"]
            stuck = form.cleaned_data.get("stuck", False)
        # 20 cards a column ("and N more" links to the filtered list): rendering the cards
        # is most of the page's time at scale.
        data = board(user=user, filters=filters, per_stage=BOARD_CARDS, stuck=stuck)
        for column in data["columns"]:
            target = NEXT_STAGE.get(column["stage"])
            column["next"] = (
                {
                    "stage": target,
                    "label": Stage(target).label,
                    "gated": target in GATED_STAGES,
                    "gate": GATED_STAGES.get(target, ""),
                }
                if target
                else None
            )
        context.update(
            columns=data["columns"],
            changeable=data["changeable"],
            filter_form=form,
            gated_stages=[str(s) for s in GATED_STAGES],
            won_days=BOARD_WON_DAYS,
            stuck=stuck,
        )
        return context


class MovePage(LoginRequiredMixin, View):
    """POST from the board: move a card (or open the gate review of a gated stage)."""

    def post(self, request, pk):
        opportunity = get_object_or_404(opportunity_list(user=request.user), pk=pk)
        back = request.POST.get("next") or reverse("opportunities:board")
        if not url_has_allowed_host_and_scheme(back, {request.get_host()}, request.is_secure()):
            back = reverse("opportunities:board")
        try:
            moved = opportunity_move(
                opportunity=opportunity, stage=request.POST.get("stage", ""), by=request.user
            )
        except ApplicationError as error:
            messages.error(request, f"{opportunity.number}: {error.message}")
            return HttpResponseRedirect(back)
        if moved.review is not None:
            if moved.outcome == "review_opened":
                messages.info(
                    request,
                    _("%(stage)s is entered through its gate: the review is open.")
                    % {"stage": Stage(request.POST["stage"]).label},
                )
            return HttpResponseRedirect(moved.review.get_absolute_url())
        if moved.outcome == "moved":
            messages.success(
                request,
                _("%(number)s moved to %(stage)s.")
                % {"number": opportunity.number, "stage": opportunity.get_state_display()},
            )
        return HttpResponseRedirect(back)


def _pivot(rows) -> list[dict]:
    """Forecast rows as one line per (period, currency) with a column per category."""
    table: dict[tuple, dict] = {}
    for row in rows:
        key = (row.get("period"), row["currency"])
        line = table.setdefault(
            key,
            {
                "period": row.get("period"),
                "currency": row["currency"],
                "categories": defaultdict(lambda: {"count": 0, "amount": 0, "weighted": 0}),
                "count": 0,
                "amount": 0,
                "weighted": 0,
            },
        )
        cell = line["categories"][row["forecast_category"]]
        cell.update(count=row["count"], amount=row["amount"], weighted=row["weighted_amount"])
        if row["forecast_category"] != ForecastCategory.OMITTED:
            line["count"] += row["count"]
            line["amount"] += row["amount"]
            line["weighted"] += row["weighted_amount"]
    return [
        {**line, "cells": [line["categories"][c] for c in ForecastCategory.values]}
        for line in table.values()
    ]


class ForecastPage(ReplicaReads, LoginRequiredMixin, TemplateView):
    """Weighted pipeline by forecast category: this period, and the next four quarters."""

    template_name = "opportunities/forecast.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        form = ForecastFilterForm(self.request.GET or None)
        today = timezone.localdate()
        period = Period.containing(today, "quarter")
        if form.is_valid() and form.cleaned_data.get("period"):
            try:
                period = Period.parse(form.cleaned_data["period"])
            except ApplicationError as error:
                form.add_error("period", error.fields.get("period", [error.message])[0])
        start = Period.containing(today, "quarter").start
        end = Period.quarter(start.year + 1, (start.month - 1) // 3 + 1).start
        end = Period.containing(end.replace(day=1) - timezone.timedelta(days=1), "quarter").end
        mine = policy.may(user, "forecast.own_only")
        owner = user if mine else None
        converted = weighted_pipeline_converted(
            user=user,
            conversion=Conversion.from_params(self.request.GET),
            period=period,
            owner=owner,
            today=today,
        )
        context.update(
            conversion_context(
                self.request,
                [
                    (_("Amount expected to close in the period"), converted["amount"]),
                    (_("Weighted"), converted["weighted"]),
                ],
            )
        )
        context.update(
            form=form,
            period=period,
            mine=mine,
            categories=ForecastCategory.choices,
            current=_pivot(weighted_pipeline(user=user, period=period, owner=owner)),
            quarters=_pivot(
                forecast_by_period(
                    user=user, start=start, end=end, granularity="quarter", owner=owner
                )
            ),
        )
        return context


class WinLossPage(LoginRequiredMixin, TemplateView):
    """Win/loss reasons by outcome and reason code, and per competitor."""

    template_name = "opportunities/win_loss.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        form = ForecastFilterForm(self.request.GET or None)
        period = None
        if form.is_valid() and form.cleaned_data.get("period"):
            try:
                period = Period.parse(form.cleaned_data["period"])
            except ApplicationError as error:
                form.add_error("period", error.fields.get("period", [error.message])[0])
        user = self.request.user
        context.update(
            form=form,
            period=period,
            by_reason=win_loss_by_reason(user=user, period=period),
            by_competitor=win_loss_by_competitor(user=user, period=period),
            states=dict(Stage.choices),
        )
        return context

"""The gate-flow page (ADR 28): the flow drawn by ECharts, its numbers in tables beside it
(the accessible form, and all there is without JavaScript), and the deals behind an arrow."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views import View

from core.errors import ApplicationError, NotFound
from core.replica import ReplicaReads
from core.web import apply_error

from .forms import GateFlowFilterForm
from .selectors import FlowQuery, flow_arrow_deals, flow_query, gate_flow, node_label
from .winmodel.selectors import model_metrics
from .winmodel.services import win_prediction_refresh

FILTERS = ("org_unit", "product_line", "tier", "amount_min", "amount_max", "date_from", "date_to")
DRILL_ROWS = 50
ROWS = {"review": 1, "escalated": 2, "go": 3, "hold": 4, "stop": 5}
GATE_COLUMN = {"ati": 1, "atb": 7, "atc": 11}
STAGE_COLUMN = {
    "identified": (0, 0),
    "initiated": (2, 0),
    "guiding": (4, 0),
    "bidding": (6, 0),
    "bid_submitted": (8, 0),
    "negotiating": (10, 0),
    "won": (12, 0),
    "lost": (13, 6),
    "abandoned": (13, 7),
}


def node_position(node: str) -> tuple[int, int]:
    """Where a node sits on the diagram: stages left to right, each gate's review and outcomes
    in a column below the gap it guards, lost and abandoned at the bottom right."""
    parts = node.split(":")
    if parts[0] == "stage":
        return STAGE_COLUMN.get(parts[1], (12, 8))
    column = GATE_COLUMN.get(parts[1] if len(parts) > 1 else "", 12)
    return column, ROWS.get(parts[2] if len(parts) > 2 else "review", 5)


def days(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds / 86400, 1)


def chart_spec(flow: dict) -> dict:
    """The diagram's data for static/insights/gate_flow.js: nodes with their place, arrows."""
    names = {a["from_node"] for a in flow["arrows"]} | {a["to_node"] for a in flow["arrows"]}
    nodes = []
    for name in sorted(names):
        x, y = node_position(name)
        nodes.append({"id": name, "name": node_label(name), "x": x * 90, "y": y * 70})
    links = [
        {"source": a["from_node"], "target": a["to_node"], "value": a["times"], "kind": a["kind"]}
        for a in flow["arrows"]
    ]
    return {"nodes": nodes, "links": links}


class GateFlowPage(ReplicaReads, LoginRequiredMixin, View):
    """Gate flow: the paths deals took through stages and gates, within the viewer's scope."""

    def get(self, request):
        params = {k: request.GET[k] for k in FILTERS if request.GET.get(k)}
        form = GateFlowFilterForm(params or None)
        try:
            query = flow_query(params, request.user)
        except ApplicationError as error:
            form.is_valid()
            apply_error(form, error)
            query = FlowQuery()
        flow = gate_flow(request.user, query)
        for row in flow["arrows"] + flow["nodes"]:
            row["median_days"], row["p90_days"] = days(row["median"]), days(row["p90"])
        for row in flow["arrows"]:
            row["from_label"] = node_label(row["from_node"])
            row["to_label"] = node_label(row["to_node"])
        for row in flow["nodes"]:
            row["label"] = node_label(row["from_node"])
        for row in flow["paths"]:
            row["labels"] = [node_label(n) for n in row["nodes"]]
        for row in flow["lost"]:
            row["label"] = node_label(row["left_from"])
        arrow = (request.GET.get("from", ""), request.GET.get("to", ""))
        deals = None
        if all(arrow):
            deals = list(flow_arrow_deals(request.user, query, *arrow).order_by("-id")[:DRILL_ROWS])
        context = {
            "form": form,
            "flow": flow,
            "chart": chart_spec(flow),
            "params": params,
            "arrow": arrow,
            "arrow_labels": [node_label(n) for n in arrow] if all(arrow) else None,
            "deals": deals,
        }
        return render(request, "insights/gate_flow.html", context)


class WinModelPage(LoginRequiredMixin, View):
    """The win model's quality (ADR 31): AUC and calibration on held-out deals, when it was
    trained and on how many; for sales managers and administrators."""

    def get(self, request):
        try:
            metrics = model_metrics(user=request.user)
        except ApplicationError as error:
            raise PermissionDenied(error.message) from None
        for row in metrics["calibration"]:
            row["predicted_pct"] = round(row["predicted"] * 100, 1)
            row["observed_pct"] = round(row["observed"] * 100, 1)
            row["low_pct"], row["high_pct"] = round(row["low"] * 100), round(row["high"] * 100)
        context = {"metrics": metrics, "min_closed": settings.WIN_MODEL_MIN_CLOSED}
        return render(request, "insights/win_model.html", context)


class WinPredictionRefreshPage(LoginRequiredMixin, View):
    """Predict one deal again now (the button on the opportunity page)."""

    def post(self, request, pk: int):
        try:
            win_prediction_refresh(user=request.user, pk=pk)
        except NotFound:
            raise Http404 from None
        return redirect(reverse("opportunities:detail", args=[pk]))

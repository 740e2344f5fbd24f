"""The insights API: the gate flow's figures and the deals behind one arrow (ADR 28); the win
model's quality and a deal's learned win probability (ADR 31)."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api.mixins import ERRORS
from core.replica import ReplicaReads
from opportunities.models import Opportunity

from ..selectors import flow_arrow_deals, flow_query, gate_flow
from ..winmodel.selectors import deal_prediction, model_metrics
from ..winmodel.services import win_prediction_refresh
from .serializers import (
    FlowDealSerializer,
    GateFlowSerializer,
    WinModelSerializer,
    WinPredictionSerializer,
)

FILTERS = [
    OpenApiParameter("org_unit", OpenApiTypes.INT, description="Org unit (with its subtree)."),
    OpenApiParameter("product_line", OpenApiTypes.STR),
    OpenApiParameter("tier", OpenApiTypes.STR, enum=["strategic", "key", "normal"]),
    OpenApiParameter("amount_min", OpenApiTypes.DECIMAL, description="Size band: from."),
    OpenApiParameter("amount_max", OpenApiTypes.DECIMAL, description="Size band: below."),
    OpenApiParameter("date_from", OpenApiTypes.DATE, description="Arrows taken from this day."),
    OpenApiParameter("date_to", OpenApiTypes.DATE, description="Arrows taken up to this day."),
]


class GateFlowView(ReplicaReads, APIView):
    """The paths deals took through stages and gates (process mining of the audit trail):
    per arrow counts, median and p90 time and conversion, time in each node, the top paths and
    where lost deals left; only the deals the caller may view count."""

    @extend_schema(parameters=FILTERS, responses={200: GateFlowSerializer, **ERRORS})
    def get(self, request):
        flow = gate_flow(request.user, flow_query(request.query_params, request.user))
        return Response(GateFlowSerializer(flow).data)


class GateFlowDealsView(ReplicaReads, generics.ListAPIView):
    """The deals behind one arrow (`from`, `to`: node names), with the same filters; the
    caller's own scope, newest first, cursor pages."""

    queryset = Opportunity.objects.none()
    serializer_class = FlowDealSerializer
    filter_backends: list = []

    def get_queryset(self):
        params = self.request.query_params
        query = flow_query(params, self.request.user)
        return flow_arrow_deals(
            self.request.user, query, params.get("from", ""), params.get("to", "")
        ).order_by("-id")

    @extend_schema(
        parameters=[
            OpenApiParameter("from", OpenApiTypes.STR, required=True),
            OpenApiParameter("to", OpenApiTypes.STR, required=True),
            *FILTERS,
        ],
        responses={200: FlowDealSerializer(many=True), **ERRORS},
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class WinModelView(APIView):
    """The win model in force (ADR 31) and its quality on held-out deals: AUC, Brier score,
    calibration bins; for sales managers and administrators."""

    @extend_schema(responses={200: WinModelSerializer, **ERRORS})
    def get(self, request):
        return Response(WinModelSerializer(model_metrics(user=request.user)).data)


class WinPredictionView(APIView):
    """A deal's learned win probability beside its stage probability, with the factors that
    moved it most in the caller's language; a deal outside the caller's scope is a 404."""

    @extend_schema(responses={200: WinPredictionSerializer, **ERRORS})
    def get(self, request, pk: int):
        return Response(WinPredictionSerializer(deal_prediction(user=request.user, pk=pk)).data)


class WinPredictionRefreshView(APIView):
    """Predict one deal again now (someone who may change the deal)."""

    @extend_schema(request=None, responses={200: WinPredictionSerializer, **ERRORS})
    def post(self, request, pk: int):
        data = win_prediction_refresh(user=request.user, pk=pk)
        return Response(WinPredictionSerializer(data).data)

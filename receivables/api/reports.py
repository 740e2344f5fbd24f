"""Receivables reports over the API: ageing, KPIs (DSO, collection rate), expected cash-in,
reconciliation and a key account's battle map. Policy-scoped, per currency."""

import datetime as dt

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from accounts.selectors import customer_list
from core import policy
from core.api.exchange_rates import CONVERSION_PARAMS
from core.api.mixins import ERRORS
from core.errors import Forbidden
from core.params import query_params
from core.rates import Conversion
from receivables import exports
from receivables.choices import AgeingGroup
from receivables.selectors import ageing, battle_map, cash_forecast, kpis, reconciliation
from receivables.selectors.converted import ageing_converted

from .serializers import (
    AgeingSerializer,
    BattleMapSerializer,
    ForecastSerializer,
    KpiSerializer,
    ReconciliationSerializer,
)
from .views import CSV

AS_OF = OpenApiParameter(
    "as_of", OpenApiTypes.DATE, description="The day to report as of (default today)."
)
GROUP = OpenApiParameter("group", OpenApiTypes.STR, enum=AgeingGroup.values)


def _as_of(request) -> dt.date | None:
    return query_params(request).date("as_of")


def _int(request, name: str, default: int, low: int, high: int) -> int:
    return query_params(request).int(name, default, min_value=low, max_value=high)


def _group(request) -> str:
    return query_params(request).choice("group", AgeingGroup.values, default=AgeingGroup.CUSTOMER)


class ReceivablesReportViewSet(viewsets.ViewSet):
    """Reports on receivables; every figure per currency, over what the user may see."""

    @extend_schema(
        parameters=[GROUP, AS_OF, *CONVERSION_PARAMS],
        responses={200: AgeingSerializer, **ERRORS},
    )
    @action(detail=False, methods=["get"])
    def ageing(self, request):
        """Receivables in ageing buckets (not due, 1–30, 31–60, 61–90, over 90 days) by org
        unit, customer or AR; `converted`: the totals in one currency (`convert_to`,
        `rates_at`: the report's day or each milestone's due date)."""
        data = ageing(user=request.user, group=_group(request), today=_as_of(request))
        data["converted"] = ageing_converted(
            user=request.user, data=data, conversion=Conversion.from_params(request.query_params)
        )
        return Response(AgeingSerializer(data).data)

    @extend_schema(parameters=[GROUP, AS_OF], responses=CSV, summary="Ageing as CSV")
    @action(detail=False, methods=["get"], url_path="ageing/export")
    def ageing_export(self, request):
        data = ageing(user=request.user, group=_group(request), today=_as_of(request))
        return exports.ageing_response(data)

    @extend_schema(
        parameters=[
            AS_OF,
            OpenApiParameter("period_days", OpenApiTypes.INT, description="Default 90."),
        ],
        responses={200: KpiSerializer(many=True), **ERRORS},
    )
    @action(detail=False, methods=["get"])
    def kpis(self, request):
        """Receivables, overdue, days sales outstanding and collection rate per currency."""
        data = kpis(
            user=request.user,
            today=_as_of(request),
            period_days=_int(request, "period_days", 90, 1, 3650),
        )
        return Response(KpiSerializer(data, many=True).data)

    @extend_schema(
        parameters=[AS_OF, OpenApiParameter("months", OpenApiTypes.INT, description="1–36.")],
        responses={200: ForecastSerializer, **ERRORS},
    )
    @action(detail=False, methods=["get"])
    def forecast(self, request):
        """Expected cash-in by month from open milestones."""
        data = cash_forecast(
            user=request.user, today=_as_of(request), months=_int(request, "months", 12, 1, 36)
        )
        return Response(ForecastSerializer(data).data)

    @extend_schema(responses={200: ReconciliationSerializer, **ERRORS})
    @action(detail=False, methods=["get"])
    def reconciliation(self, request):
        """Records whose stored totals disagree with the rows behind them (finance; all lists
        empty when the books reconcile)."""
        if not policy.may(request.user, "receivables.handle_money"):
            raise Forbidden(_("Only finance may run the reconciliation."))
        return Response(ReconciliationSerializer(reconciliation(user=request.user)).data)

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "customer_id", {"type": "integer", "minimum": 0}, OpenApiParameter.PATH
            )
        ],
        responses={200: BattleMapSerializer, **ERRORS},
    )
    @action(detail=False, methods=["get"], url_path=r"battle-map/(?P<customer_id>[0-9]+)")
    def battle_map(self, request, customer_id=None):
        """A key account's battle map (作战地图): contracts, terms, payment dates and progress."""
        customer = get_object_or_404(customer_list(user=request.user), pk=customer_id)
        data = battle_map(customer=customer, user=request.user)
        context = {"request": request, "changeable_ids": set()}
        return Response(BattleMapSerializer(data, context=context).data)

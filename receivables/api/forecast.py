"""The cash-in forecast over the API (ADR 29): the curve per week or month and currency, its
CSV, and the open milestones' predictions; all over what the user's figures may read."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from core.api.fields import DateField, DateTimeField
from core.api.mixins import ERRORS
from core.api.schema import AutoSchema
from core.params import query_params
from receivables.forecast import cash_curve, milestone_forecasts
from receivables.forecast.curve import PERIODS
from receivables.forecast.export import curve_csv
from receivables.models import ForecastBasis

from .views import CSV

MONEY = {"max_digits": 18, "decimal_places": 2}
PERIOD = OpenApiParameter(
    "period", OpenApiTypes.STR, enum=list(PERIODS), description="Default month."
)


class CurvePeriodSerializer(serializers.Serializer):
    start = DateField()
    predicted = serializers.DecimalField(**MONEY)
    low = serializers.DecimalField(**MONEY)
    high = serializers.DecimalField(**MONEY)
    plan = serializers.DecimalField(**MONEY)


class CurveLaterSerializer(serializers.Serializer):
    predicted = serializers.DecimalField(**MONEY)
    plan = serializers.DecimalField(**MONEY)


class CurveCurrencySerializer(serializers.Serializer):
    currency = serializers.CharField()
    open_amount = serializers.DecimalField(**MONEY)
    scheduled = serializers.DecimalField(**MONEY)
    unscheduled = serializers.DecimalField(**MONEY)
    periods = CurvePeriodSerializer(many=True)
    later = CurveLaterSerializer()


class CashCurveSerializer(serializers.Serializer):
    as_of = DateField()
    period = serializers.CharField()
    refreshed_at = DateTimeField(allow_null=True)
    currencies = CurveCurrencySerializer(many=True)


class MilestoneForecastSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    contract = serializers.CharField()
    customer = serializers.CharField()
    kind = serializers.CharField()
    currency = serializers.CharField()
    outstanding = serializers.DecimalField(**MONEY)
    due_date = DateField()
    predicted_on = DateField()
    days_late = serializers.IntegerField()
    p_by_due = serializers.DecimalField(max_digits=4, decimal_places=3)
    basis = serializers.CharField(
        help_text="What the prediction rests on: " + ", ".join(ForecastBasis.values)
    )
    own_count = serializers.IntegerField()
    pool_count = serializers.IntegerField()
    explanation = serializers.CharField()


def _period(request) -> str:
    return query_params(request).choice("period", list(PERIODS), default="month")


class CurveSchema(AutoSchema):
    """The collection's own URL answers one curve (an object), not a list."""

    def _is_list_view(self, serializer=None) -> bool:
        if getattr(self.view, "action", None) == "list":
            return False
        return super()._is_list_view(serializer)


class CashForecastViewSet(viewsets.ViewSet):
    """Expected cash-in from payment history; figures per currency, over what the user's
    figures may read (`policy.restrict_figures`)."""

    schema = CurveSchema()

    @extend_schema(parameters=[PERIOD], responses={200: CashCurveSerializer, **ERRORS})
    def list(self, request):
        """Expected cash-in per period and currency with a p10–p90 interval, beside the plan."""
        data = cash_curve(user=request.user, period=_period(request))
        return Response(CashCurveSerializer(data).data)

    @extend_schema(parameters=[PERIOD], responses=CSV, summary="Cash-in forecast as CSV")
    @action(detail=False, methods=["get"])
    def export(self, request):
        return curve_csv(cash_curve(user=request.user, period=_period(request)))

    @extend_schema(
        parameters=[OpenApiParameter("limit", OpenApiTypes.INT, description="1–500, default 50.")],
        responses={200: MilestoneForecastSerializer(many=True), **ERRORS},
    )
    @action(detail=False, methods=["get"])
    def milestones(self, request):
        """Open milestones with their predicted payment date, chance of payment by the due
        date and what the prediction rests on; soonest expected first."""
        limit = query_params(request).int("limit", 50, min_value=1, max_value=500)
        rows = milestone_forecasts(user=request.user, limit=limit)
        return Response(MilestoneForecastSerializer(rows, many=True).data)

"""API of rebates (返利, issue 21.5) and channel reports (issue 21.7)."""

from __future__ import annotations

from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from core import policy
from core.api.mixins import ERRORS, ScopedViewSetMixin, TimelineMixin
from core.errors import Forbidden
from core.params import query_params
from core.replica import reads_from_replica

from .. import reports
from ..filters import RebateSchemeFilter, RebateStatementFilter
from ..models import RebateScheme, RebateStatement
from ..selectors import scheme_list, statement_list
from ..services import rebate_scheme_create, rebate_scheme_update, statement_settle
from .serializers import (
    AttainmentRowSerializer,
    ConversionRowSerializer,
    LiabilityRowSerializer,
    PipelineRowSerializer,
    RebateSchemeSerializer,
    RebateSchemeUpdateSerializer,
    RebateSchemeWriteSerializer,
    RebateStatementDetailSerializer,
    RebateStatementSerializer,
    SettleSerializer,
)

YEAR = OpenApiParameter("year", OpenApiTypes.INT, description="The calendar year (this one).")


class RebateSchemeViewSet(
    ScopedViewSetMixin,
    TimelineMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Rebate schemes (返利政策), one per partner agreement: tiers [from, to) with a rate (%)
    or a fixed amount, read against the period's volume or its growth (%) over the same
    period a year before; per quarter or year; on contracts signed (booked) or cash received.
    Tiers that overlap or leave a gap are a 400 `rebate_tiers_conflict` whose
    `fields.tiers` names them. Once the scheme has accrued its tiers, measure, period and
    basis are fixed (409 `rebate_scheme_in_use`)."""

    queryset = RebateScheme.objects.none()
    selector = scheme_list
    serializer_class = RebateSchemeSerializer
    filterset_class = RebateSchemeFilter
    ordering_fields = ["id"]
    http_method_names = ["get", "post", "patch", "head", "options"]

    def _respond(self, scheme, status=200):
        fresh = self.get_queryset().get(pk=scheme.pk)
        return Response(
            RebateSchemeSerializer(fresh, context=self.get_serializer_context()).data, status
        )

    @extend_schema(
        request=RebateSchemeWriteSerializer, responses={201: RebateSchemeSerializer, **ERRORS}
    )
    def create(self, request, *args, **kwargs):
        data = RebateSchemeWriteSerializer(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        agreement = values.pop("agreement")
        values["tiers"] = [dict(t) for t in values["tiers"]]
        return self._respond(
            rebate_scheme_create(by=request.user, agreement=agreement, data=values), 201
        )

    @extend_schema(
        request=RebateSchemeUpdateSerializer, responses={200: RebateSchemeSerializer, **ERRORS}
    )
    def partial_update(self, request, *args, **kwargs):
        scheme = self.get_object()
        data = RebateSchemeUpdateSerializer(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        if "tiers" in values:
            values["tiers"] = [dict(t) for t in values["tiers"]]
        return self._respond(rebate_scheme_update(by=request.user, scheme=scheme, data=values))


class RebateStatementViewSet(
    ScopedViewSetMixin,
    TimelineMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Rebate statements (返利对账单), one per partner and period: `draft` while the period
    accrues, `issued` by the daily job once it ended, `settled` (finance) by a credit note or
    a payment with its reference. `amount` is what the statement pays (its period's accrual,
    plus adjustments of earlier, frozen periods); `rebate` the scheme applied to the period's
    `volume`. The detail lists the ledger lines paid on it."""

    queryset = RebateStatement.objects.none()
    selector = statement_list
    serializer_class = RebateStatementSerializer
    filterset_class = RebateStatementFilter
    ordering_fields = ["id", "period_start"]

    def get_serializer_class(self):
        if self.action == "retrieve":
            return RebateStatementDetailSerializer
        return super().get_serializer_class()

    def get_queryset(self):
        queryset = super().get_queryset()
        if self.action == "retrieve":
            queryset = queryset.prefetch_related("lines__period")
        return queryset

    @extend_schema(request=SettleSerializer, responses={200: RebateStatementSerializer, **ERRORS})
    @action(detail=True, methods=["post"], filter_backends=[])
    def settle(self, request, pk=None):
        """Settle an issued statement (finance): `method` credit_note or payment, and the
        reference of the credit note or payment (409 unless issued)."""
        statement = self.get_object()
        data = SettleSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        settled = statement_settle(statement=statement, by=request.user, **data.validated_data)
        fresh = self.get_queryset().get(pk=settled.pk)
        return Response(
            RebateStatementSerializer(fresh, context=self.get_serializer_context()).data
        )


@method_decorator(reads_from_replica, name="pipeline")
@method_decorator(reads_from_replica, name="registrations")
@method_decorator(reads_from_replica, name="targets")
@method_decorator(reads_from_replica, name="rebate_liability")
class ChannelReportViewSet(viewsets.GenericViewSet):
    """Channel reports (issue 21.7), each over the records the reader may see, per currency:
    `pipeline/` (by partner, or `by=tier`), `registrations/` (conversion), `targets/`
    (agreement targets vs booked) and `rebate-liability/` (accrued − settled)."""

    pagination_class = None
    filter_backends = []

    def _may(self, request) -> None:
        if not policy.may(request.user, "channels.reports"):
            raise Forbidden(_("You may not see the channel reports."))

    def _year(self, request) -> int:
        return query_params(request).int(
            "year", timezone.localdate().year, min_value=2000, max_value=2100
        )

    @extend_schema(
        parameters=[YEAR, OpenApiParameter("by", OpenApiTypes.STR, enum=["partner", "tier"])],
        responses={200: PipelineRowSerializer(many=True), **ERRORS},
        summary="Pipeline and revenue by partner or tier",
    )
    @action(detail=False, methods=["get"])
    def pipeline(self, request):
        self._may(request)
        by = query_params(request).choice("by", ["partner", "tier"], "partner")
        rows = reports.pipeline_and_revenue(request.user, year=self._year(request), by=by)
        return Response(PipelineRowSerializer(rows, many=True).data)

    @extend_schema(
        parameters=[OpenApiParameter("year", OpenApiTypes.INT)],
        responses={200: ConversionRowSerializer(many=True), **ERRORS},
        summary="Registration conversion by partner",
    )
    @action(detail=False, methods=["get"])
    def registrations(self, request):
        self._may(request)
        year = query_params(request).int("year", None, min_value=2000, max_value=2100)
        rows = reports.registration_conversion(request.user, year=year)
        return Response(ConversionRowSerializer(rows, many=True).data)

    @extend_schema(
        parameters=[YEAR],
        responses={200: AttainmentRowSerializer(many=True), **ERRORS},
        summary="Partner target attainment",
    )
    @action(detail=False, methods=["get"])
    def targets(self, request):
        self._may(request)
        rows = reports.target_attainment(request.user, year=self._year(request))
        return Response(AttainmentRowSerializer(rows, many=True).data)

    @extend_schema(
        responses={200: LiabilityRowSerializer(many=True), **ERRORS},
        summary="Rebate liability by partner (accrued − settled)",
    )
    @action(detail=False, methods=["get"], url_path="rebate-liability")
    def rebate_liability(self, request):
        self._may(request)
        rows = reports.rebate_liability(request.user)
        return Response(LiabilityRowSerializer(rows, many=True).data)

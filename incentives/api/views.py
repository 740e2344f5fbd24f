"""Credit sharing's API: the default split, deals' splits (asked through the approval
engine), the credit ledger and the incentive report (JSON, CSV or XLSX)."""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, viewsets
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.api.views import FILE_DOWNLOADS
from core.api.mixins import ERRORS, ScopedViewSetMixin
from core.errors import ValidationFailed
from core.replica import ReplicaReads

from ..exports import incentive_report_export
from ..filters import CreditLineFilter, CreditSplitFilter
from ..models import CreditLine, CreditSplit
from ..selectors import credit_line_list, incentive_report, report_query, split_list
from ..services import credit_default_set, credit_split_request
from ..shares import company_default
from .serializers import (
    CreditLineSerializer,
    CreditSplitCreateSerializer,
    CreditSplitDefaultSerializer,
    CreditSplitSerializer,
    IncentiveReportSerializer,
)

REPORT_PARAMS = [
    OpenApiParameter("year", OpenApiTypes.INT, description="Calendar year (default: this year)."),
    OpenApiParameter("quarter", OpenApiTypes.INT, description="1–4, within `year`."),
    OpenApiParameter("month", OpenApiTypes.INT, description="1–12, within `year`."),
    OpenApiParameter("date_from", OpenApiTypes.DATE, description="Start of a custom period."),
    OpenApiParameter("date_to", OpenApiTypes.DATE, description="End of a custom period."),
    OpenApiParameter("grouping", OpenApiTypes.STR, enum=["person", "team"]),
    OpenApiParameter("org_unit", OpenApiTypes.INT, description="Org unit (with its subtree)."),
    OpenApiParameter("currency", OpenApiTypes.STR, description="Currency (default CNY)."),
]


class CreditSplitDefaultView(APIView):
    """The company's default credit split (获取分享制): the percent of every booking and
    collection credited to the AR, SR, FR and the partner's manager, summing to exactly 100.
    A deal without a partner gives the partner share to its AR. Administrators change it."""

    @extend_schema(responses={200: CreditSplitDefaultSerializer, **ERRORS})
    def get(self, request):
        return Response(CreditSplitDefaultSerializer(company_default()).data)

    @extend_schema(
        request=CreditSplitDefaultSerializer,
        responses={200: CreditSplitDefaultSerializer, **ERRORS},
    )
    def put(self, request):
        body = request.data if isinstance(request.data, dict) else {}
        row = credit_default_set(by=request.user, data=body)
        return Response(CreditSplitDefaultSerializer(row).data)


class CreditSplitViewSet(
    ScopedViewSetMixin,
    mixins.CreateModelMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Deals' own credit splits. Creating one asks for it through the `credit_split` approval
    chain (by default the nearest sales manager above the deal); the split in force stays until
    it is approved, then the deal's contract is re-credited (reversal lines keep history)."""

    queryset = CreditSplit.objects.none()
    selector = split_list
    serializer_class = CreditSplitSerializer
    filterset_class = CreditSplitFilter
    ordering_fields = ["id", "created_at"]

    @extend_schema(
        request=CreditSplitCreateSerializer, responses={201: CreditSplitSerializer, **ERRORS}
    )
    def create(self, request, *args, **kwargs):
        body = CreditSplitCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        split = credit_split_request(by=request.user, **body.validated_data)
        return Response(CreditSplitSerializer(split, context={"request": request}).data, status=201)


class CreditLineViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """The credit ledger: each person's share of each booking and collection, written once per
    event; a change writes reversal lines (negative) and new lines, never edits. A rep sees
    their own lines, a manager their subtree's."""

    queryset = CreditLine.objects.none()
    selector = credit_line_list
    serializer_class = CreditLineSerializer
    filterset_class = CreditLineFilter
    ordering_fields = ["id", "credited_on"]


class IncentiveReportView(ReplicaReads, APIView):
    """The incentive report: per person or per team (an org unit's subtree), targets (定, 回)
    against credited orders and credited cash, with attainment. `file_format=csv|xlsx` answers
    the same rows as a file. The basis for commission: computed, not paid, here."""

    @extend_schema(
        parameters=[
            *REPORT_PARAMS,
            OpenApiParameter("file_format", OpenApiTypes.STR, enum=["csv", "xlsx"]),
        ],
        responses={200: IncentiveReportSerializer, **FILE_DOWNLOADS, **ERRORS},
    )
    def get(self, request):
        query = report_query(request.query_params, request.user)
        file_format = request.query_params.get("file_format")
        if file_format:
            if file_format not in ("csv", "xlsx"):
                raise ValidationFailed(
                    _("Invalid format."), fields={"file_format": [_("Choose csv or xlsx.")]}
                )
            return incentive_report_export(request.user, query, file_format)
        rows = incentive_report(
            request.user,
            period=query.period,
            grouping=query.grouping,
            unit=query.unit,
            currency=query.currency,
        )
        data = {
            "date_from": query.period.start,
            "date_to": query.period.end,
            "grouping": query.grouping,
            "currency": query.currency,
            "org_unit": query.unit.pk if query.unit else None,
            "rows": [
                {**row.__dict__, "orders_pct": row.orders_pct, "cash_pct": row.cash_pct}
                for row in rows
            ],
        }
        return Response(IncentiveReportSerializer(data).data)

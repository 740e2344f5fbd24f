"""The report builder's API (ADR 32): saved reports (own and shared), running one, previewing
an unsaved definition, and the catalogue of what reports are built from."""

from __future__ import annotations

from django.http import HttpResponse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from core import policy
from core.api.mixins import ERRORS
from core.errors import Forbidden

from ..catalogue import catalogue
from ..definition import DefinitionSerializer, clean_definition
from ..engine import run_report
from ..models import SavedReport
from ..selectors import report_for, reports_for
from ..services import XLSX, report_create, report_delete, report_update
from ..xlsx import report_xlsx
from .serializers import (
    ReportRecordTypeSerializer,
    ReportResultSerializer,
    SavedReportSerializer,
    SavedReportWriteSerializer,
)


class SavedReportViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """Saved reports: one's own and those shared with one or one's team. Only the owner
    changes or deletes one; whoever runs it sees the figures of their own access scope."""

    queryset = SavedReport.objects.none()
    serializer_class = SavedReportSerializer
    filter_backends: list = []

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        if not policy.may(request.user, "reports.build"):
            raise Forbidden(_("You may not use reports."))

    def get_queryset(self):
        return reports_for(self.request.user).prefetch_related("shared_units", "shared_users")

    def get_object(self):
        return report_for(self.request.user, self.kwargs["pk"])

    def _written(self, report, status=200):
        report = report_for(self.request.user, report.pk)
        return Response(self.get_serializer(report).data, status=status)

    @extend_schema(
        request=SavedReportWriteSerializer, responses={201: SavedReportSerializer, **ERRORS}
    )
    def create(self, request, *args, **kwargs):
        data = SavedReportWriteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return self._written(report_create(by=request.user, data=data.validated_data), 201)

    @extend_schema(
        request=SavedReportWriteSerializer, responses={200: SavedReportSerializer, **ERRORS}
    )
    def update(self, request, *args, **kwargs):
        report = self.get_object()
        partial = kwargs.get("partial", False)
        data = SavedReportWriteSerializer(data=request.data, partial=partial)
        data.is_valid(raise_exception=True)
        return self._written(
            report_update(by=request.user, report=report, data=data.validated_data)
        )

    @extend_schema(responses={204: None, **ERRORS})
    def destroy(self, request, *args, **kwargs):
        report_delete(by=request.user, report=self.get_object())
        return Response(status=204)

    @extend_schema(responses={200: ReportResultSerializer, **ERRORS})
    @action(detail=True, methods=["get"])
    def run(self, request, pk=None):
        """The saved report's table, counted within the caller's own access scope."""
        report = self.get_object()
        result = run_report(request.user, clean_definition(report.definition))
        return Response(ReportResultSerializer(result).data)

    @extend_schema(
        responses={
            (200, XLSX): OpenApiResponse(OpenApiTypes.BINARY, description="The table as Excel."),
            **ERRORS,
        }
    )
    @action(detail=True, methods=["get"])
    def xlsx(self, request, pk=None):
        """The saved report's table as an Excel file, within the caller's scope."""
        report = self.get_object()
        result = run_report(request.user, clean_definition(report.definition))
        response = HttpResponse(report_xlsx(report.name, result), content_type=XLSX)
        response["Content-Disposition"] = f'attachment; filename="report-{report.pk}.xlsx"'
        return response

    @extend_schema(request=DefinitionSerializer, responses={200: ReportResultSerializer, **ERRORS})
    @action(detail=False, methods=["post"], url_path="preview")
    def preview(self, request):
        """An unsaved definition's table (the builder's preview), within the caller's scope."""
        result = run_report(request.user, clean_definition(request.data))
        return Response(ReportResultSerializer(result).data)

    @extend_schema(responses={200: ReportRecordTypeSerializer(many=True), **ERRORS})
    @action(detail=False, methods=["get"], pagination_class=None)
    def catalogue(self, request):
        """What reports are built from: per record type, what it groups and filters by (month
        or quarter of its dates, custom fields among them) and the amounts and days it
        measures, labelled in the caller's language."""
        return Response(ReportRecordTypeSerializer(catalogue(), many=True).data)

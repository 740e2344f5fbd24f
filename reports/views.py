"""The report builder's pages (ADR 32): my and shared reports, the builder with its htmx
preview (a table and a Chart.js chart), a saved report read in the reader's own scope."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views import View

from core import policy
from core.errors import ApplicationError, NotFound
from core.web import apply_error

from .definition import clean_definition
from .engine import run_report
from .forms import BuilderForm, SaveForm, initial_of
from .selectors import report_for, reports_for
from .services import XLSX, report_create, report_delete, report_update
from .xlsx import report_xlsx


def _allowed(request) -> None:
    if not policy.may(request.user, "reports.build"):
        raise Http404


def chart_spec(result: dict) -> dict:
    """The chart's data for static/reports/report_chart.js: a label per line, a dataset per
    column (or the measure)."""
    labels = [
        " · ".join([*line["labels"], *([line["currency"]] if line["currency"] else [])])
        for line in result["rows"]
    ]
    columns = result["columns"] or [{"label": result["measure"]["label"]}]
    datasets = [
        {
            "label": column["label"],
            "data": [
                None if line["cells"][i] is None else str(line["cells"][i])
                for line in result["rows"]
            ],
        }
        for i, column in enumerate(columns)
    ]
    return {"kind": result.get("chart", "bar"), "labels": labels, "datasets": datasets}


def _result_context(request, definition: dict | None, form=None) -> dict:
    """Run a definition for the viewer; an error goes onto the form (or the context)."""
    if definition is None:
        return {"result": None}
    try:
        cleaned = clean_definition(definition)
        result = run_report(request.user, cleaned)
    except ApplicationError as error:
        if form is not None:
            form.is_valid()
            apply_error(form, error)
        return {"result": None, "error": error}
    result["chart"] = cleaned["chart"]
    rates_day = None
    if result["conversion"]:
        rates_day = dt.date.fromisoformat(result["conversion"]["rates_of"])
    return {
        "result": result,
        "rates_day": rates_day,
        "chart": chart_spec(result) if cleaned["chart"] != "table" else None,
    }


class ReportListPage(LoginRequiredMixin, View):
    """My reports and those shared with me or my team."""

    def get(self, request):
        _allowed(request)
        reports = list(reports_for(request.user))
        context = {
            "mine": [r for r in reports if r.owner_id == request.user.pk],
            "shared": [r for r in reports if r.owner_id != request.user.pk],
        }
        return render(request, "reports/list.html", context)


class ReportBuilderPage(LoginRequiredMixin, View):
    """Build a report (a preview as you change it) and save it; or change one's own."""

    def _report(self, request, pk):
        return None if pk is None else report_for(request.user, pk)

    def _forms(self, request, report, data=None):
        if data is None and report is not None:
            data = initial_of(report.definition)
        source = data or {}
        kind = source.get("record_type") or "opportunities"
        builder = BuilderForm(data or None, record_type=kind)
        save_initial = {}
        if report is not None:
            save_initial = {
                "name": report.name,
                "shared_units": list(report.shared_units.all()),
                "shared_users": list(report.shared_users.all()),
                "schedule": report.schedule,
            }
        saver = SaveForm(request.POST or None, initial=save_initial)
        return builder, saver

    def get(self, request, pk=None):
        _allowed(request)
        try:
            report = self._report(request, pk)
        except NotFound:
            raise Http404 from None
        data = request.GET if request.GET.get("row1") else None
        builder, saver = self._forms(request, report, data)
        kind = request.GET.get("record_type")
        if data is None and kind:  # another record type chosen: its choices, nothing bound
            builder = BuilderForm(initial={"record_type": kind}, record_type=kind)
        definition = None
        if data is not None:
            definition = builder.definition()
        elif report is not None:
            definition = report.definition
        context = {
            "report": report,
            "mine": report is None or report.owner_id == request.user.pk,
            "builder": builder,
            "saver": saver,
            **_result_context(request, definition, builder),
        }
        return render(request, "reports/builder.html", context)

    def post(self, request, pk=None):
        _allowed(request)
        try:
            report = self._report(request, pk)
        except NotFound:
            raise Http404 from None
        if request.POST.get("delete") and report is not None:
            try:
                report_delete(by=request.user, report=report)
            except ApplicationError as error:
                messages.error(request, error.message)
                return redirect("reports:detail", pk=report.pk)
            messages.success(request, _("The report was deleted."))
            return redirect("reports:list")
        builder, saver = self._forms(request, report, request.POST)
        definition = builder.definition()
        if saver.is_valid():
            data = {**saver.cleaned_data, "definition": definition}
            try:
                if report is None:
                    report = report_create(by=request.user, data=data)
                else:
                    report = report_update(by=request.user, report=report, data=data)
            except ApplicationError as error:
                if "name" in error.fields or "schedule" in error.fields:
                    apply_error(saver, error)
                else:
                    builder.is_valid()
                    apply_error(builder, error)
            else:
                messages.success(request, _("The report was saved."))
                return redirect("reports:detail", pk=report.pk)
        context = {
            "report": report,
            "mine": True,
            "builder": builder,
            "saver": saver,
            **_result_context(request, definition, builder),
        }
        return render(request, "reports/builder.html", context, status=400)


class ReportPreview(LoginRequiredMixin, View):
    """The builder's preview (an htmx fragment): the table and chart for the form's values."""

    def get(self, request):
        _allowed(request)
        builder = BuilderForm(request.GET, record_type=request.GET.get("record_type", ""))
        context = _result_context(request, builder.definition())
        return render(request, "reports/_result.html", context)


class ReportDownload(LoginRequiredMixin, View):
    """A saved report as an Excel file, in the reader's own scope."""

    def get(self, request, pk):
        _allowed(request)
        try:
            report = report_for(request.user, pk)
            result = run_report(request.user, clean_definition(report.definition))
        except NotFound:
            raise Http404 from None
        except ApplicationError as error:
            messages.error(request, error.message)
            return redirect("reports:detail", pk=pk)
        response = HttpResponse(report_xlsx(report.name, result), content_type=XLSX)
        response["Content-Disposition"] = f'attachment; filename="report-{report.pk}.xlsx"'
        return response

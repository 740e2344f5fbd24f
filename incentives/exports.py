"""The incentive report as a CSV or XLSX file, through the core's exports (computed with the
rows the user may export: `restrict(..., "export")`)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from core.exports import ExportColumn, export_response

from .selectors import ReportQuery, incentive_report

COLUMNS = [
    ExportColumn(_("Name"), lambda r: r.name),
    ExportColumn(_("Org unit"), lambda r: r.unit),
    ExportColumn(_("Orders target"), lambda r: r.target_orders),
    ExportColumn(_("Credited orders"), lambda r: r.credited_orders),
    ExportColumn(_("Orders attainment (%)"), lambda r: r.orders_pct),
    ExportColumn(_("Collections target"), lambda r: r.target_cash),
    ExportColumn(_("Credited collections"), lambda r: r.credited_cash),
    ExportColumn(_("Collections attainment (%)"), lambda r: r.cash_pct),
]


def incentive_report_export(user, query: ReportQuery, file_format: str):
    rows = incentive_report(
        user,
        period=query.period,
        grouping=query.grouping,
        unit=query.unit,
        currency=query.currency,
        action="export",
    )
    return export_response(
        queryset=rows,
        columns=COLUMNS,
        file_format=file_format,
        filename=f"incentives-{query.grouping}-{query.period.start}-{query.period.end}",
        user=user,
    )

"""The cash-in curve as CSV: one row per currency and period, then what comes later and
what has no due date yet."""

from __future__ import annotations

from django.http import StreamingHttpResponse
from django.utils.translation import gettext as _

from ..exports import csv_response


def curve_csv(data: dict) -> StreamingHttpResponse:
    header = [
        _("Currency"),
        _("Period from"),
        _("Expected cash-in"),
        _("Low (p10)"),
        _("High (p90)"),
        _("Plan (due dates)"),
    ]

    def rows():
        for cur in data["currencies"]:
            code = cur["currency"]
            for p in cur["periods"]:
                yield [code, p["start"], p["predicted"], p["low"], p["high"], p["plan"]]
            later = cur["later"]
            yield [code, _("Later"), later["predicted"], "", "", later["plan"]]
            yield [code, _("No due date yet"), cur["unscheduled"], "", "", cur["unscheduled"]]

    return csv_response(f"cash-forecast-{data['period']}", header, rows())

"""Chart data for the pages: a small JSON config that static/keyaccounts/charts.js turns into a
Chart.js chart (vendored, served locally). Every chart's numbers are also in a table on the
page and in the API."""

from __future__ import annotations

from decimal import Decimal


def _plain(value):
    if isinstance(value, Decimal):
        return float(value)
    return value


#: A dataset's `tone` gives it the colour that means the same on every chart.
TONES = ("gain", "loss")  # won / new; lost / churned


def chart(kind: str, labels, datasets: list[dict], *, horizontal=False, stacked=False) -> dict:
    return {
        "type": kind,
        "labels": [str(label) for label in labels],
        "datasets": [
            {
                "label": str(d["label"]),
                "data": [_plain(v) for v in d["data"]],
                "tone": d.get("tone", ""),
                # per bar, when one series mixes meanings (ageing: not due, then overdue)
                "tones": list(d.get("tones", [])),
            }
            for d in datasets
        ],
        "horizontal": horizontal,
        "stacked": stacked,
    }

"""CSV exports of the collections lists: streamed row by row from a server-side cursor (constant
memory at any size), with spreadsheet formula injection neutralised."""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable, Iterator
from decimal import Decimal

from django.http import StreamingHttpResponse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from core import policy
from core.exports import Echo, hide_amounts, safe_text

CENT = Decimal("0.01")


def cell(value) -> str:
    """A value as a CSV cell that no spreadsheet will run: text starting like a formula is
    prefixed with an apostrophe. Numbers and dates are written as they are."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, Decimal):
        cents = value.quantize(CENT)
        return str(cents if cents == value else value)
    if isinstance(value, int | float):
        return str(value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return safe_text(value)


def stream(header: list[str], rows: Iterable[list], language: str | None = None) -> Iterator[str]:
    """The CSV text, line by line, in `language` (the response streams after the view
    returned, when the request's language is no longer active)."""
    writer = csv.writer(Echo())
    yield "\ufeff"  # a BOM, so that Excel reads the UTF-8 (Chinese names) right
    yield writer.writerow([cell(h) for h in header])
    with translation.override(language):
        for row in rows:
            yield writer.writerow([cell(v) for v in row])


def csv_response(filename: str, header: list[str], rows: Iterable[list]) -> StreamingHttpResponse:
    response = StreamingHttpResponse(
        stream(header, rows, translation.get_language()), content_type="text/csv; charset=utf-8"
    )
    stamp = timezone.localdate().isoformat()
    response["Content-Disposition"] = f'attachment; filename="{filename}-{stamp}.csv"'
    return response


def _milestones(qs) -> tuple[list[str], Iterable[list]]:
    header = [
        _("Contract"),
        _("Customer"),
        _("Milestone"),
        _("Kind"),
        _("Due date"),
        _("State"),
        _("Currency"),
        _("Amount"),
        _("Invoiced"),
        _("Paid"),
        _("Written off"),
        _("Outstanding"),
        _("Days overdue"),
        _("Owner (AR)"),
    ]
    rows = (
        hide_amounts(
            m,
            [
                m.contract.number,
                m.contract.customer.name,
                m.name,
                m.get_kind_display(),
                m.due_date,
                m.get_state_display(),
                m.currency,
                m.amount,
                m.invoiced_amount,
                m.paid_amount,
                m.written_off_amount,
                m.outstanding,
                m.days_overdue,
                str(m.contract.owner),
            ],
        )
        for m in qs.select_related("contract__customer", "contract__owner")
        .order_by("pk")
        .iterator(chunk_size=2000)
    )
    return header, rows


def _invoices(qs) -> tuple[list[str], Iterable[list]]:
    header = [
        _("Number"),
        _("Invoice number"),
        _("Issued on"),
        _("Contract"),
        _("Customer"),
        _("Milestone"),
        _("Kind"),
        _("State"),
        _("Currency"),
        _("Amount"),
        _("Paid"),
        _("Unpaid"),
    ]
    rows = (
        hide_amounts(
            i,
            [
                i.number,
                i.invoice_number,
                i.issued_on,
                i.contract.number,
                i.customer.name,
                i.milestone.name,
                i.get_kind_display(),
                i.get_state_display(),
                i.currency,
                i.amount,
                i.paid_amount,
                i.unpaid_amount,
            ],
        )
        for i in qs.select_related("contract", "customer", "milestone")
        .order_by("pk")
        .iterator(chunk_size=2000)
    )
    return header, rows


def _receipts(qs) -> tuple[list[str], Iterable[list]]:
    header = [
        _("Number"),
        _("Received on"),
        _("Customer"),
        _("Contract"),
        _("Method"),
        _("Bank reference"),
        _("State"),
        _("Currency"),
        _("Amount"),
        _("Allocated"),
        _("Unapplied credit"),
        _("Note"),
    ]
    rows = (
        hide_amounts(
            r,
            [
                r.number,
                r.received_on,
                r.customer.name,
                r.contract.number if r.contract_id else "",
                r.get_method_display(),
                r.bank_reference,
                r.get_state_display(),
                r.currency,
                r.amount,
                r.allocated_amount,
                r.unapplied_amount,
                r.note,
            ],
        )
        for r in qs.select_related("customer", "contract")
        .prefetch_related(None)
        .order_by("pk")
        .iterator(chunk_size=2000)
    )
    return header, rows


EXPORTS: dict[str, Callable] = {
    "milestones": _milestones,
    "invoices": _invoices,
    "receipts": _receipts,
}


def response(name: str, queryset, user) -> StreamingHttpResponse:
    """The export `name` of `queryset` (filtered and scoped), of the rows `user` may export."""
    queryset, _hiding = policy.with_amounts_shown(policy.restrict(queryset, user, "export"), user)
    header, rows = EXPORTS[name](queryset)
    return csv_response(name, header, rows)


def ageing_response(data: dict) -> StreamingHttpResponse:
    buckets = data["buckets"]
    header = [_("Group"), _("Currency"), *[b["label"] for b in buckets], _("Total")]
    rows = (
        [row["label"], row["currency"], *[row[b["key"]] for b in buckets], row["total"]]
        for row in data["rows"]
    )
    return csv_response(f"ageing-{data['group']}", header, rows)

"""The price post-mortem (价格复盘): on approved quotes' lines, the price achieved against the
list price and against the customer's agreement price (协议价) in force when the quote was
submitted, by product and rep (the opportunity's owner). Aggregated in SQL, scoped by the
access policy."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db.models import (
    Case,
    Count,
    DecimalField,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    Subquery,
    Sum,
    When,
)
from django.db.models.functions import TruncDate
from django.utils import timezone

from accounts.models import User
from core import policy
from core.money import quantize

from .choices import AgreementPriceState, QuoteState
from .models import AgreementPrice, DiscountTarget, QuoteLine

HUNDRED = Decimal("100")
MONEY = DecimalField(max_digits=18, decimal_places=2)


def _agreed_price():
    """The customer's approved agreement price for the line's product on the day the quote
    was submitted (a correlated subquery on the agreement-price index)."""
    day = OuterRef("submitted_day")
    return Subquery(
        AgreementPrice.objects.filter(
            customer_id=OuterRef("quote__opportunity__customer_id"),
            product_id=OuterRef("product_id"),
            state=AgreementPriceState.APPROVED,
            valid_from__lte=day,
        )
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=day))
        .order_by("-valid_from")
        .values("price")[:1],
        output_field=MONEY,
    )


def price_post_mortem(
    *, user, start: dt.date | None = None, end: dt.date | None = None
) -> list[dict]:
    """One row per product, rep and currency: quantity, list, achieved (net) and, on the lines
    under an agreement price, the agreed amount; with the achieved discount off list and the
    achieved price against the agreement (%), and the product line's discount target of the
    period's year (its end's, else this year's) with whether the discount is within it."""
    lines = policy.restrict_figures(
        QuoteLine.objects.filter(quote__state=QuoteState.APPROVED), user
    )
    if start:
        lines = lines.filter(quote__submitted_at__date__gte=start)
    if end:
        lines = lines.filter(quote__submitted_at__date__lte=end)
    lines = (
        lines.annotate(submitted_day=TruncDate("quote__submitted_at"))
        .annotate(agreed=_agreed_price())
        .annotate(
            agreed_line=ExpressionWrapper(F("agreed") * F("quantity"), output_field=MONEY),
            net_agreed=Case(When(agreed__isnull=False, then=F("net_amount")), output_field=MONEY),
        )
    )
    rows = (
        lines.values(
            "product_id",
            "product__code",
            "product__name",
            "product__product_line",
            "quote__opportunity__owner_id",
            "quote__currency",
        )
        .annotate(
            lines=Count("id"),
            quantity=Sum("quantity"),
            list_amount=Sum("list_amount"),
            net_amount=Sum("net_amount"),
            agreed_lines=Count("agreed_line"),
            agreed_amount=Sum("agreed_line"),
            net_under_agreement=Sum("net_agreed"),
        )
        .order_by("product__code", "quote__opportunity__owner_id", "quote__currency")
    )
    rows = list(rows)
    reps = {
        user.pk: str(user)
        for user in User.objects.filter(pk__in={r["quote__opportunity__owner_id"] for r in rows})
    }
    year = (end or timezone.localdate()).year
    targets = dict(
        DiscountTarget.objects.filter(
            year=year, product_line__in={r["product__product_line"] for r in rows}
        ).values_list("product_line", "max_discount_pct")
    )
    return [_row(row, reps, targets) for row in rows]


def _pct(part, whole) -> Decimal | None:
    return (part * HUNDRED / whole).quantize(Decimal("0.01")) if whole else None


def _row(row: dict, reps: dict, targets: dict) -> dict:
    listed, net = row["list_amount"] or 0, row["net_amount"] or 0
    agreed = quantize(row["agreed_amount"]) if row["agreed_amount"] is not None else None
    under = row["net_under_agreement"] or 0
    return {
        "product": row["product_id"],
        "product_code": row["product__code"],
        "product_name": row["product__name"],
        "rep": row["quote__opportunity__owner_id"],
        "rep_name": reps.get(row["quote__opportunity__owner_id"], ""),
        "currency": row["quote__currency"],
        "lines": row["lines"],
        "quantity": row["quantity"],
        "list_amount": quantize(listed),
        "achieved_amount": quantize(net),
        "discount_pct": _pct(listed - net, listed),
        "agreed_lines": row["agreed_lines"],
        "agreed_amount": agreed,
        "achieved_under_agreement": quantize(under) if agreed is not None else None,
        "vs_agreement_pct": _pct(under - agreed, agreed) if agreed else None,
        **_against_target(_pct(listed - net, listed), targets.get(row["product__product_line"])),
    }


def _against_target(discount, target) -> dict:
    """The product line's discount target of the year and whether the achieved discount is
    within it (None without a target or a discount)."""
    within = None if target is None or discount is None else discount <= target
    return {"target_discount_pct": target, "within_target": within}

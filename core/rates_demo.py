"""The demo company's exchange rates (ADR 30): a month-old and a current rate of the dollar,
the euro and the Hong Kong dollar in yuan, so the converted totals have something to show."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from .demo import DemoContext, register
from .rates import RateSource, exchange_rates_upsert

RATES = {"USD": ("7.18", "7.12"), "EUR": ("7.85", "7.71"), "HKD": ("0.9210", "0.9140")}


@register(12, "exchange rates")
def seed(ctx: DemoContext) -> None:
    admin = ctx.data["users"]["admin"]
    today = timezone.localdate()
    items = [
        {"date": day, "base": base, "quote": "CNY", "rate": Decimal(value)}
        for base, values in RATES.items()
        for day, value in zip((today - dt.timedelta(days=30), today), values, strict=True)
    ]
    exchange_rates_upsert(by=admin, items=items, source=RateSource.MANUAL)

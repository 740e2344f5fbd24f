"""Importing exchange rates (issue 23.5, ADR 30) through the import wizard: a row per day and
currency pair (`date, base, quote, rate[, source]`). A row for a day and pair that has a rate
already changes that rate (audited before/after); a row repeating an earlier row's day and pair
is a duplicate; a bad date, currency or rate is named on its row. Kept here, beside the import
machinery, because the parties app is the lowest one that has it; the rates live in the core."""

from __future__ import annotations

import unicodedata
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core import policy
from core.choices import Currency
from core.rates import RATE_DIGITS, RATE_PLACES, ExchangeRate, RateSource, exchange_rates_upsert

from .base import ChoiceParser, Column, Importer, Row, parse_date, parse_text, register


def parse_rate(row: Row, key: str) -> Decimal | None:
    """A positive rate with at most eight decimals ("7.1234", "７.１")."""
    raw = unicodedata.normalize("NFKC", row.raw.get(key, "")).strip().replace(",", "")
    if not raw:
        row.error(key, _("Required."))
        return None
    try:
        rate = Decimal(raw)
    except InvalidOperation:
        rate = None
    if rate is None or not rate.is_finite() or rate <= 0:
        row.error(key, _("A rate is a positive number: %(value)s") % {"value": raw})
        return None
    _sign, digits, exponent = rate.normalize().as_tuple()
    if -exponent > RATE_PLACES or len(digits) + exponent > RATE_DIGITS - RATE_PLACES:
        row.error(key, _("At most %(places)s decimal places.") % {"places": RATE_PLACES})
        return None
    return rate


@register
class ExchangeRateImporter(Importer):
    kind = "exchange_rates"
    label = gettext_lazy("Exchange rates")
    model = ExchangeRate
    columns = [
        Column("date", gettext_lazy("Date"), ("日期", "汇率日期"), True),
        Column("base", gettext_lazy("Base currency"), ("基准货币", "from"), True),
        Column("quote", gettext_lazy("Quote currency"), ("报价货币", "目标货币", "to"), True),
        Column("rate", gettext_lazy("Rate"), ("汇率",), True),
        Column("source", gettext_lazy("Source"), ("来源",)),
    ]

    @classmethod
    def allowed(cls, user) -> bool:
        """Administrators and finance, who keep the rates."""
        return policy.may(user, "rates.change")

    def __init__(self, job):
        super().__init__(job)
        self.currency = ChoiceParser(Currency)

    def clean(self, row: Row) -> None:
        day = parse_date(row, "date")
        if day is None and "date" not in row.errors:
            row.error("date", _("Required."))
        base, quote = self.currency(row, "base"), self.currency(row, "quote")
        for key, value in (("base", base), ("quote", quote)):
            if value is None and key not in row.errors:
                row.error(key, _("Required."))
        if base and base == quote:
            row.error("quote", _("The quote currency differs from the base currency."))
        row.values.update(
            date=day,
            base=base,
            quote=quote,
            rate=parse_rate(row, "rate"),
            source=parse_text(row, "source", 40) or RateSource.IMPORT,
        )

    def check(self, rows: list[Row]) -> None:
        for row in rows:
            v = row.values
            first = self.remember(row, (v["date"], v["base"], v["quote"]))
            if first is not None:
                row.duplicate_of(
                    _("Row %(row)s has a rate for this day and pair already.") % {"row": first}
                )

    def save(self, rows: list[Row]) -> list:
        """Create or change each row's rate (not bulk_create: a day and pair that has a rate
        is updated, audited before/after)."""
        items = [
            {k: r.values[k] for k in ("date", "base", "quote", "rate", "source")} for r in rows
        ]
        return [
            rate
            for _result, rate in exchange_rates_upsert(
                by=self.by, items=items, source=RateSource.IMPORT
            )
        ]

"""Money: Decimal amounts with a currency, rounded one way everywhere (docs/adr/0002-money.md)."""

from decimal import ROUND_HALF_UP, Decimal

from django.db import models

from .choices import Currency

CENT = Decimal("0.01")
DEFAULT_CURRENCY = Currency.CNY


def quantize(amount: Decimal | int | str) -> Decimal:
    """Round to cents, half up: the one rounding rule for money in this project."""
    return Decimal(amount).quantize(CENT, rounding=ROUND_HALF_UP)


def split_by_percentages(total: Decimal, percentages: list[Decimal]) -> list[Decimal]:
    """Split `total` by percentages; the rounding remainder goes to the last part.

    The parts always sum to `total` exactly, which is what a payment plan promises finance.
    """
    parts = [quantize(total * Decimal(p) / 100) for p in percentages[:-1]]
    parts.append(quantize(total) - sum(parts, Decimal("0")))
    return parts


class MoneyField(models.DecimalField):
    """A money amount: 18 digits, 2 decimals. Always stored next to a CurrencyField."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("max_digits", 18)
        kwargs.setdefault("decimal_places", 2)
        super().__init__(*args, **kwargs)


class CurrencyField(models.CharField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("max_length", 3)
        kwargs.setdefault("choices", Currency.choices)
        kwargs.setdefault("default", DEFAULT_CURRENCY)
        super().__init__(*args, **kwargs)

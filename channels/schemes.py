"""The arithmetic of a rebate scheme: its tiers checked as a whole, and the rebate a period
earns. Pure functions over plain values, so the API, the pages and the ledger agree."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext as _

from core.money import quantize

from .choices import RebateMeasure

ZERO = Decimal("0")
HUNDRED = Decimal("100")


def _plain(number: Decimal) -> str:
    """1000000.00 as 1000000, 2.50 as 2.5: how people write a tier's bound."""
    return format(number.normalize(), "f")


@dataclass(frozen=True)
class Tier:
    lower: Decimal
    upper: Decimal | None
    rate_pct: Decimal | None = None
    fixed_amount: Decimal | None = None

    def text(self) -> str:
        upper = "∞" if self.upper is None else _plain(self.upper)
        return f"[{_plain(self.lower)}, {upper})"

    def holds(self, value: Decimal) -> bool:
        return self.lower <= value and (self.upper is None or value < self.upper)


def tier_conflicts(tiers: Sequence[Tier]) -> list[str]:
    """What is wrong with a scheme's tiers taken together, each naming the tiers concerned
    (numbered as given, from 1): overlapping ranges, gaps between consecutive ones, an
    open end that is not the last. Empty when they follow each other without gap."""
    numbered = sorted(enumerate(tiers, start=1), key=lambda pair: pair[1].lower)
    problems = []
    for (n1, first), (n2, second) in zip(numbered, numbered[1:], strict=False):
        values = {"a": n1, "b": n2, "first": first.text(), "second": second.text()}
        if first.upper is None or first.upper > second.lower:
            problems.append(_("Tiers %(a)s %(first)s and %(b)s %(second)s overlap.") % values)
        elif first.upper < second.lower:
            problems.append(
                _("Tiers %(a)s %(first)s and %(b)s %(second)s leave a gap between them.") % values
            )
    return problems


def measured(measure: str, volume: Decimal, base: Decimal | None) -> Decimal | None:
    """The value the tiers are read against: the volume, or the growth in percent over the
    base (the same period a year before); no growth without a positive base."""
    if measure == RebateMeasure.GROWTH:
        if base is None or base <= 0:
            return None
        return (volume - base) * HUNDRED / base
    return volume


def rebate_for(
    tiers: Sequence[Tier], *, measure: str, volume: Decimal, base: Decimal | None = None
) -> Decimal:
    """The rebate a period earns: the tier its measure falls in applied to the whole volume
    (retroactive to the period's first sale), or the tier's fixed amount. Nothing below the
    first tier, on no volume, or on growth without a base year."""
    if volume <= 0:
        return ZERO
    value = measured(measure, volume, base)
    if value is None:
        return ZERO
    tier = next((t for t in tiers if t.holds(value)), None)
    if tier is None:
        return ZERO
    if tier.rate_pct is not None:
        return quantize(volume * tier.rate_pct / HUNDRED)
    return quantize(tier.fixed_amount or ZERO)

"""Exchange rates (issue 23.5, docs/adr/0030-exchange-rates.md): one rate per day and currency
pair, kept by hand, by import or by the API, and the conversion of per-currency totals into
a reporting currency.

Amounts keep their own currency everywhere; only totals shown to people are converted, and a
converted total always says at which rates ("at rates of 2026-12-07" or "at each record's
date") and which currencies it could not convert. Sums are taken per currency in SQL; the few
sums are converted here in Python, so a report never multiplies row by row.
"""

from __future__ import annotations

import datetime as dt
from bisect import bisect_right
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from .audit import audit_record, diff, snapshot
from .choices import Currency
from .errors import Conflict, ValidationFailed
from .money import quantize
from .rates_models import RATE_DIGITS, RATE_PLACES, ExchangeRate, RateSource  # noqa: F401 (re-exported)

ONE = Decimal(1)
#: How a converted total was converted: at the rates of one day, or of each record's date.
CONVERSION_BASES = ["rates_of_day", "record_dates"]


# --- Writing -------------------------------------------------------------------------------

FIELDS = ["date", "base", "quote", "rate", "source"]


def _check(data: Mapping) -> None:
    problems = {}
    if data.get("rate") is None or Decimal(data["rate"]) <= 0:
        problems["rate"] = [str(_("A rate is a positive number."))]
    if data.get("base") and data.get("base") == data.get("quote"):
        problems["quote"] = [str(_("The quote currency differs from the base currency."))]
    if problems:
        raise ValidationFailed(str(_("The exchange rate was not saved.")), fields=problems)


def _normalised(data: Mapping) -> dict:
    """The rate at the column's eight places, so an equal rate compares equal (no empty
    "update" audited for 7.25 against 7.25000000)."""
    data = dict(data)
    if data.get("rate") is not None:
        data["rate"] = Decimal(data["rate"]).quantize(Decimal(1).scaleb(-RATE_PLACES))
    return data


def _duplicate(data: Mapping) -> ValidationFailed:
    return ValidationFailed(
        str(
            _("There is a %(base)s/%(quote)s rate for %(date)s already; change that one.")
            % {"base": data["base"], "quote": data["quote"], "date": data["date"]}
        ),
        code="duplicate_exchange_rate",
        fields={"date": [str(_("One rate per day and currency pair."))]},
    )


def exchange_rate_create(*, by, data: Mapping) -> ExchangeRate:
    """A new rate, audited; a second rate for the same day and pair is refused by the
    database's unique constraint (a 400 `duplicate_exchange_rate`, never an IntegrityError)."""
    _check(data)
    data = _normalised(data)
    rate = ExchangeRate(**{k: v for k, v in data.items() if k in FIELDS})
    try:
        with transaction.atomic():
            rate.save()
            audit_record(target=rate, action="created", actor=by, changes=snapshot(rate, FIELDS))
    except IntegrityError:
        raise _duplicate(data) from None
    return rate


def exchange_rate_update(
    *, rate: ExchangeRate, by, data: Mapping, expected_version: int | None = None
) -> ExchangeRate:
    """Change a rate (its value or source; date and pair too), audited before/after; an
    `expected_version` other than the stored one is a 409 `stale_version`."""
    _check({**snapshot(rate, FIELDS), **data})
    data = _normalised(data)
    try:
        with transaction.atomic():
            rate = ExchangeRate.objects.select_for_update().get(pk=rate.pk)
            if expected_version is not None and int(expected_version) != rate.version:
                raise Conflict(
                    _("This rate was changed by someone else (version %(v)s); reload it.")
                    % {"v": rate.version},
                    code="stale_version",
                )
            before = snapshot(rate, FIELDS)
            for name, value in data.items():
                if name in FIELDS:
                    setattr(rate, name, value)
            changes = diff(before, snapshot(rate, FIELDS))
            if changes:
                rate.version += 1
                rate.save()
                audit_record(target=rate, action="updated", actor=by, changes=changes)
    except IntegrityError:
        raise _duplicate({**before, **data}) from None
    return rate


def exchange_rates_upsert(
    *, by, items: Iterable[Mapping], source: str
) -> list[tuple[str, ExchangeRate]]:
    """Each item's rate for its day and pair: created, or the stored one changed (audited
    before/after), or left alone when equal. The row is locked (select_for_update) and a
    concurrent first insert is caught by the unique constraint and retried as an update."""
    done = []
    with transaction.atomic():
        for item in items:
            data = {**item, "source": item.get("source") or source}
            _check(data)
            key = {"date": data["date"], "base": data["base"], "quote": data["quote"]}
            found = ExchangeRate.objects.select_for_update().filter(**key).first()
            if found is None:
                try:
                    with transaction.atomic():
                        done.append(("created", exchange_rate_create(by=by, data=data)))
                    continue
                except ValidationFailed:
                    found = ExchangeRate.objects.select_for_update().get(**key)
            before = found.version
            found = exchange_rate_update(rate=found, by=by, data=data)
            done.append(("updated" if found.version != before else "unchanged", found))
    return done


# --- Reading -------------------------------------------------------------------------------


def rate_on(base: str, quote: str, day: dt.date) -> Decimal | None:
    """The rate of `base` in `quote` on `day`: the latest one on or before it, the inverse of
    the latest `quote`/`base` rate when that is newer (or the only one), else a triangulation
    through the reporting currency; None when there is none. One query."""
    return RateBook({base}, into=quote, until=day).rate(base, quote, day)


class RateBook:
    """The rates among a few currencies up to a day, read in one query, for converting many
    sums (a report's per-currency or per-day totals) without a query each."""

    def __init__(self, currencies: Iterable[str], *, into: str, until: dt.date):
        wanted = {*currencies, into, reporting_currency()}
        self.series: dict[tuple[str, str], list[tuple[dt.date, Decimal]]] = {}
        rows = (
            ExchangeRate.objects.filter(base__in=wanted, quote__in=wanted, date__lte=until)
            .order_by("date")
            .values_list("date", "base", "quote", "rate")
        )
        for day, base, quote, rate in rows:
            self.series.setdefault((base, quote), []).append((day, rate))

    def _stored(self, base: str, quote: str, day: dt.date) -> tuple[dt.date, Decimal] | None:
        series = self.series.get((base, quote))
        if not series:
            return None
        at = bisect_right(series, (day, _HIGHEST))
        return series[at - 1] if at else None

    def _latest(self, base: str, quote: str, day: dt.date) -> Decimal | None:
        direct, inverse = self._stored(base, quote, day), self._stored(quote, base, day)
        if direct and (not inverse or direct[0] >= inverse[0]):
            return direct[1]
        return ONE / inverse[1] if inverse else None

    def rate(self, base: str, quote: str, day: dt.date) -> Decimal | None:
        if base == quote:
            return ONE
        found = self._latest(base, quote, day)
        middle = reporting_currency()
        if found is not None or middle in (base, quote):
            return found
        first, second = self._latest(base, middle, day), self._latest(middle, quote, day)
        return first * second if first is not None and second is not None else None


_HIGHEST = Decimal("Infinity")  # sorts after every rate of a day in the bisection


def reporting_currency() -> str:
    return getattr(settings, "REPORTING_CURRENCY", Currency.CNY)


def chosen_currency(value: str | None) -> str:
    """A currency a person picked on a page or in a query (`?in=USD`), else the setting."""
    value = (value or "").strip().upper()
    return value if value in Currency.values else reporting_currency()


@dataclass
class Converted:
    """A total converted into one currency, with the basis it was converted on."""

    currency: str
    amount: Decimal
    day: dt.date | None  # the rates' date; None: "at each record's date"
    missing: list[str] = field(default_factory=list)

    @property
    def basis(self) -> str:
        return "rates_of_day" if self.day else "record_dates"

    def as_dict(self) -> dict:
        return {
            "currency": self.currency,
            "amount": self.amount,
            "rates_basis": self.basis,
            "rates_of": self.day,
            "missing_currencies": self.missing,
            "complete": not self.missing,
        }


def convert_totals(
    totals: Mapping[str, Decimal] | Iterable[tuple[str, Decimal]], *, into: str, day: dt.date
) -> Converted:
    """Per-currency sums (taken in SQL) converted at the rates of `day` and added up; the
    currencies without a rate are named in `missing`, never counted as zero silently."""
    items = [(c, v) for c, v in (totals.items() if isinstance(totals, Mapping) else totals) if v]
    book = RateBook({c for c, _v in items}, into=into, until=day)
    amount, missing = Decimal(0), set()
    for currency, value in items:
        rate = book.rate(currency, into, day)
        if rate is None:
            missing.add(currency)
        else:
            amount += Decimal(value) * rate
    return Converted(currency=into, amount=quantize(amount), day=day, missing=sorted(missing))


def convert_dated(
    rows: Iterable[tuple[str, dt.date | None, Decimal]], *, into: str, today: dt.date
) -> Converted:
    """Sums per currency and day (SQL: `.values("currency", <date>)`), each at its own day's
    rate ("at each record's date"; a row without a date at today's)."""
    items = [(c, d or today, v) for c, d, v in rows if v]
    until = max([today, *(d for _c, d, _v in items)])
    book = RateBook({c for c, _d, _v in items}, into=into, until=until)
    amount, missing = Decimal(0), set()
    for currency, day, value in items:
        rate = book.rate(currency, into, day)
        if rate is None:
            missing.add(currency)
        else:
            amount += Decimal(value) * rate
    return Converted(currency=into, amount=quantize(amount), day=None, missing=sorted(missing))


@dataclass(frozen=True)
class Conversion:
    """What a person asked a report to convert into: `?convert_to=USD&rates_at=record`."""

    into: str
    at_record_dates: bool = False

    @classmethod
    def from_params(cls, params) -> Conversion:
        return cls(
            into=chosen_currency(params.get("convert_to")),
            at_record_dates=(params.get("rates_at") or "").strip() == "record",
        )


def conversion_context(request, converted: list[tuple[object, dict]]) -> dict:
    """What `ltc/components/converted_totals.html` shows: the totals, the choice made and the
    page's other query parameters (kept when another currency or basis is picked)."""
    return {
        "converted": converted,
        "conversion": Conversion.from_params(request.GET),
        "conversion_keep": [
            (name, value)
            for name, values in request.GET.lists()
            if name not in ("convert_to", "rates_at")
            for value in values
        ],
        "currency_choices": Currency.choices,
    }

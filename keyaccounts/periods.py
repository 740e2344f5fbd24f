"""Calendar periods: a year, a quarter or a month as a closed date range, and the
time-zone aware datetime bounds that select records stamped inside it."""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import ValidationFailed
from core.params import QueryParams


@dataclass(frozen=True)
class Period:
    """A closed range of days, [start, end]."""

    start: dt.date
    end: dt.date

    @property
    def start_at(self) -> dt.datetime:
        """The first instant of `start` in the site's time zone."""
        return timezone.make_aware(dt.datetime.combine(self.start, dt.time.min))

    @property
    def end_before(self) -> dt.datetime:
        """The first instant after `end` (exclusive upper bound for datetimes)."""
        return timezone.make_aware(
            dt.datetime.combine(self.end + dt.timedelta(days=1), dt.time.min)
        )

    def __contains__(self, day: dt.date) -> bool:
        return self.start <= day <= self.end


def month(year: int, number: int) -> Period:
    last = calendar.monthrange(year, number)[1]
    return Period(dt.date(year, number, 1), dt.date(year, number, last))


def quarter(year: int, number: int) -> Period:
    first = (number - 1) * 3 + 1
    return Period(month(year, first).start, month(year, first + 2).end)


def year(number: int) -> Period:
    return Period(dt.date(number, 1, 1), dt.date(number, 12, 31))


def months_of_quarter(number: int) -> list[int]:
    return [(number - 1) * 3 + i for i in (1, 2, 3)]


def of(year_number: int, kind: str, number: int) -> Period:
    """The period of `kind` ("month" or "quarter") number `number` of `year_number`."""
    return month(year_number, number) if kind == "month" else quarter(year_number, number)


def parse(params, *, default_year: int | None = None) -> Period:
    """The period a request asks for: `date_from`/`date_to`, or `year` with an optional
    `quarter` or `month`; the current year when nothing is given. Bad input is a 400."""
    today = timezone.localdate()
    errors: dict[str, list[str]] = {}

    query = QueryParams(params)

    def read(name: str, parse):
        try:
            return parse(name)
        except ValidationFailed as error:
            errors.update(error.fields)
            return None

    start, end = read("date_from", query.date), read("date_to", query.date)
    y = read("year", lambda name: query.int(name, min_value=2000, max_value=2100))
    q = read("quarter", lambda name: query.int(name, min_value=1, max_value=4))
    m = read("month", lambda name: query.int(name, min_value=1, max_value=12))
    if errors:
        raise ValidationFailed(_("Invalid period."), fields=errors)
    if start or end:
        start = start or dt.date((end or today).year, 1, 1)
        end = end or dt.date(start.year, 12, 31)
        if end < start:
            raise ValidationFailed(
                _("Invalid period."), fields={"date_to": [_("Must not be before the start.")]}
            )
        if (end - start).days > 3660:
            raise ValidationFailed(
                _("Invalid period."), fields={"date_to": [_("At most ten years.")]}
            )
        return Period(start, end)
    y = y or default_year or today.year
    if m:
        return month(y, m)
    if q:
        return quarter(y, q)
    return year(y)

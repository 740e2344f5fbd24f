"""Calendar periods: a year, a quarter or a month as a closed date range, and the
time-zone aware datetime bounds that select records stamped inside it."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import ValidationFailed
from core.params import QueryParams
from core.periods import Period

month = Period.month
quarter = Period.quarter
year = Period.year


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

"""Calendar periods: a month, a quarter, a year or any two dates, as a closed range of days.

The one Period of the code base: the forecast reads expected close dates in one, key-account
targets and metrics read bookings, revenue and cash-in in one.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext as _

from .errors import ValidationFailed
from .inputs import FIRST_DAY, LAST_DAY

_PERIOD = re.compile(r"^([0-9]{4})-(?:(0[1-9]|1[0-2])|Q([1-4]))$")


@dataclass(frozen=True)
class Period:
    """A closed range of days, [start, end]."""

    start: dt.date
    end: dt.date

    @classmethod
    def month(cls, year: int, month: int) -> Period:
        last = calendar.monthrange(year, month)[1]
        return cls(dt.date(year, month, 1), dt.date(year, month, last))

    @classmethod
    def quarter(cls, year: int, quarter: int) -> Period:
        first = 3 * quarter - 2
        return cls(cls.month(year, first).start, cls.month(year, first + 2).end)

    @classmethod
    def year(cls, year: int) -> Period:
        return cls(dt.date(year, 1, 1), dt.date(year, 12, 31))

    @classmethod
    def containing(cls, day: dt.date, granularity: str = "quarter") -> Period:
        if granularity == "month":
            return cls.month(day.year, day.month)
        return cls.quarter(day.year, (day.month - 1) // 3 + 1)

    @classmethod
    def parse(cls, text: str) -> Period:
        """ "2026-07" or "2026-Q3"; anything else is a 400 naming the field `period`."""
        match = _PERIOD.match((text or "").strip().upper())
        if not match or not FIRST_DAY.year <= int(match.group(1)) <= LAST_DAY.year:
            raise ValidationFailed(
                _("A period is a month (2026-07) or a quarter (2026-Q3)."),
                fields={"period": [_("Use 2026-07 or 2026-Q3.")]},
            )
        year, month, quarter = match.groups()
        return cls.month(int(year), int(month)) if month else cls.quarter(int(year), int(quarter))

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

    def __str__(self) -> str:
        return f"{self.start.isoformat()}..{self.end.isoformat()}"

"""What input the application accepts at all, whatever the field or parameter.

One place for the rules every door applies (the API's JSON parser and fields, the forms, the
list filters and the hand-read query parameters), so that no value a client sends can make the
database or the date arithmetic fail:

- text holds no NUL (PostgreSQL refuses it) and no lone surrogate (not encodable as UTF-8);
- business dates lie between FIRST_DAY and LAST_DAY; a date-time, once in UTC, too;
- JSON nests at most MAX_JSON_DEPTH levels, and its numbers are finite (1e400 is no number).
"""

from __future__ import annotations

import datetime as dt
import math

from django.core.exceptions import ValidationError
from django.utils.deconstruct import deconstructible
from django.utils.translation import gettext_lazy as _

FIRST_DAY = dt.date(1900, 1, 1)
LAST_DAY = dt.date(2999, 12, 31)
MAX_JSON_DEPTH = 32

DATE_OUT_OF_RANGE = _("Give a date between %(first)s and %(last)s.")
BAD_CHARACTERS = _("Text may not contain NUL characters or unpaired surrogates.")


class InputRejected(ValidationError):
    """A value no field of the application accepts (see the module's rules); `path` names
    where in a nested value it sits ("items.3.name"), or is "" for the value itself."""

    path = ""


def _date_out_of_range() -> InputRejected:
    return InputRejected(
        DATE_OUT_OF_RANGE,
        code="date_out_of_range",
        params={"first": FIRST_DAY.isoformat(), "last": LAST_DAY.isoformat()},
    )


def has_bad_characters(text: str) -> bool:
    if "\x00" in text:
        return True
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def to_utc(value: dt.datetime) -> dt.datetime:
    """An aware date-time in UTC (a naive one is left as it is); refused when the offset
    carries it out of the calendar (year 1 at +05:00) or out of the business range."""
    if value.tzinfo is not None and value.utcoffset() is not None:
        try:
            value = value.astimezone(dt.UTC)
        except (OverflowError, ValueError):
            raise _date_out_of_range() from None
    if not FIRST_DAY <= value.date() <= LAST_DAY:
        raise _date_out_of_range()
    return value


def check_value(value) -> None:
    """Raise InputRejected if `value` (text, a date, a date-time, or a list or dict of them,
    as deep as MAX_JSON_DEPTH) breaks one of the rules."""
    _check(value, ())


def _check(value, path: tuple) -> None:
    try:
        if isinstance(value, str):
            if has_bad_characters(value):
                raise InputRejected(BAD_CHARACTERS, code="bad_characters")
        elif isinstance(value, float) and not math.isfinite(value):
            raise InputRejected(_("A number too large to hold (%(value)s).") % {"value": value})
        elif isinstance(value, dt.datetime):
            to_utc(value)
        elif isinstance(value, dt.date):
            if not FIRST_DAY <= value <= LAST_DAY:
                raise _date_out_of_range()
        elif isinstance(value, dict | list | tuple):
            if len(path) >= MAX_JSON_DEPTH:
                raise InputRejected(
                    _("Nested more than %(depth)s levels deep."),
                    code="too_deep",
                    params={"depth": MAX_JSON_DEPTH},
                )
            items = value.items() if isinstance(value, dict) else enumerate(value)
            for key, item in items:
                _check(key, path)
                _check(item, (*path, key))
    except InputRejected as error:
        if not error.path:
            error.path = ".".join(str(part) for part in path)
        raise


@deconstructible
class InputValidator:
    """A field validator: the value obeys check_value's rules (a date in range, text
    without NUL...)."""

    def __call__(self, value) -> None:
        if value is not None:
            check_value(value)

    def __eq__(self, other) -> bool:
        return isinstance(other, InputValidator)


validate_input = InputValidator()

"""One verdict on a record's custom values, whichever way they came in.

`validate(model, values, state=..., partial=...)` returns the cleaned values (numbers as
Decimal strings, money as {"amount": "1.00", "currency": "CNY"} through core.money, dates as
ISO strings, users as ids) or raises ValidationFailed naming each `custom.<key>`. Unknown keys
are refused; the values of retired fields are kept as they are, unchecked; an empty value
(None, "", []) removes the key. A field required in the record's state must have a value
(`partial` leaves the requirement to the caller, e.g. a transition).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext as _

from .. import money
from ..choices import Currency
from ..errors import ValidationFailed
from ..inputs import FIRST_DAY, LAST_DAY, has_bad_characters
from .definitions import definitions, target_of
from .models import CustomField, FieldType

MAX_TEXT = 255
MAX_LONG_TEXT = 10_000
#: Numbers: at most this many digits in all, and this many after the point.
MAX_DIGITS = 24
MAX_DECIMALS = 8

EMPTY = (None, "", [])


class Invalid(Exception):
    """One value's problem, in the user's language."""


def _text(value, limit: int) -> str:
    if not isinstance(value, str):
        raise Invalid(_("Give text."))
    value = value.strip()
    if has_bad_characters(value):
        raise Invalid(_("Text may not contain NUL characters or unpaired surrogates."))
    if len(value) > limit:
        raise Invalid(_("At most %(n)s characters.") % {"n": limit})
    return value


def _number(value) -> str:
    if isinstance(value, bool) or not isinstance(value, int | float | str | Decimal):
        raise Invalid(_("Give a number."))
    try:
        number = Decimal(str(value).strip().replace(",", ""))
    except InvalidOperation:
        raise Invalid(_("Give a number.")) from None
    if not number.is_finite():
        raise Invalid(_("Give a number."))
    sign, digits, exponent = number.normalize().as_tuple()
    decimals = max(0, -exponent)
    if decimals > MAX_DECIMALS or len(digits) + max(0, exponent) > MAX_DIGITS:
        raise Invalid(
            _("At most %(digits)s digits, %(decimals)s after the point.")
            % {"digits": MAX_DIGITS, "decimals": MAX_DECIMALS}
        )
    text = format(number.normalize(), "f")
    return "0" if text in ("-0", "") else text


def _money(value) -> dict:
    if not isinstance(value, dict) or set(value) - {"amount", "currency"} or "amount" not in value:
        raise Invalid(_("Give {amount, currency}."))
    try:
        amount = money.parse_money(value["amount"])
    except DjangoValidationError as exc:
        raise Invalid(" ".join(exc.messages)) from None
    currency = value.get("currency") or money.DEFAULT_CURRENCY
    if currency not in Currency.values:
        raise Invalid(_("Unknown currency “%(c)s”.") % {"c": str(currency)[:10]})
    return {"amount": str(amount), "currency": str(currency)}


def _date(value) -> str:
    if not isinstance(value, str):
        raise Invalid(_("Give a date as YYYY-MM-DD."))
    try:
        day = dt.date.fromisoformat(value.strip())
    except ValueError:
        raise Invalid(_("Give a date as YYYY-MM-DD.")) from None
    if not FIRST_DAY <= day <= LAST_DAY:
        raise Invalid(
            _("Give a date between %(first)s and %(last)s.")
            % {"first": FIRST_DAY, "last": LAST_DAY}
        )
    return day.isoformat()


def _choice(field: CustomField, value) -> str:
    allowed = [c["value"] for c in field.choices or []]
    if not isinstance(value, str) or value not in allowed:
        raise Invalid(_("Choose one of: %(values)s.") % {"values": ", ".join(allowed)})
    return value


def _multi_choice(field: CustomField, value) -> list[str]:
    if not isinstance(value, list):
        raise Invalid(_("Give a list of choices."))
    chosen: list[str] = []
    for item in value:
        item = _choice(field, item)
        if item not in chosen:
            chosen.append(item)
    return chosen


def _user(value) -> int:
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise Invalid(_("Give a user's id."))
    text = str(value).strip()
    if not text.isdigit() or len(text) > 18:
        raise Invalid(_("Give a user's id."))
    # The directory of colleagues shows every active user to everyone signed in (ADR 13).
    if not get_user_model().objects.filter(pk=int(text), is_active=True).exists():
        raise Invalid(_("No active user with this id."))
    return int(text)


def _yes_no(value) -> bool:
    if not isinstance(value, bool):
        raise Invalid(_("Give true or false."))
    return value


def clean_value(field: CustomField, value):
    """The stored form of one value of `field`; raises Invalid."""
    kind = field.type
    if kind == FieldType.TEXT:
        return _text(value, MAX_TEXT)
    if kind == FieldType.LONG_TEXT:
        return _text(value, MAX_LONG_TEXT)
    if kind == FieldType.NUMBER:
        return _number(value)
    if kind == FieldType.MONEY:
        return _money(value)
    if kind == FieldType.DATE:
        return _date(value)
    if kind == FieldType.CHOICE:
        return _choice(field, value)
    if kind == FieldType.MULTI_CHOICE:
        return _multi_choice(field, value)
    if kind == FieldType.USER:
        return _user(value)
    if kind == FieldType.YES_NO:
        return _yes_no(value)
    raise Invalid(_("Unknown field type."))


def validate(
    model,
    values,
    *,
    state=None,
    partial: bool = False,
    fields: list[CustomField] | None = None,
) -> dict:
    """The cleaned custom values of a `model` record in `state` (see the module's docstring).
    `fields`: the record type's definitions, retired ones included, when the caller has them."""
    if values in (None, ""):
        values = {}
    if not isinstance(values, dict):
        raise ValidationFailed(
            _("Invalid input."), fields={"custom": [_("Give an object of custom values.")]}
        )
    if fields is None:
        fields = definitions(target_of(model), include_retired=True)
    by_key = {f.key: f for f in fields}
    cleaned: dict = {}
    errors: dict[str, list[str]] = {}
    for key, value in values.items():
        field = by_key.get(key)
        if field is None:
            errors[f"custom.{str(key)[:60]}"] = [_("There is no custom field with this key.")]
            continue
        if field.retired:
            cleaned[key] = value  # kept as stored; retired fields are not checked
            continue
        if value in EMPTY:
            continue
        try:
            cleaned[key] = clean_value(field, value)
        except Invalid as exc:
            errors[f"custom.{key}"] = [str(exc)]
    if not partial:
        for key, message in missing_required(fields, cleaned, state).items():
            errors.setdefault(key, []).append(message)
    if errors:
        raise ValidationFailed(_("Invalid input."), fields=errors)
    return cleaned


def missing_required(fields: list[CustomField], values: dict, state) -> dict[str, str]:
    """{custom.<key>: message} for each active field required in `state` without a value."""
    return {
        f"custom.{field.key}": _("“%(label)s” is required.") % {"label": field.label}
        for field in fields
        if not field.retired and field.required_in(state) and values.get(field.key) in EMPTY
    }


def coerce_text(field: CustomField, text: str):
    """A value typed as text (a CSV cell, a query parameter) as the type takes it."""
    text = (text or "").strip()
    if text == "":
        return None
    if field.type == FieldType.YES_NO:
        lowered = text.lower()
        if lowered in ("true", "yes", "1", "y", "是"):
            return True
        if lowered in ("false", "no", "0", "n", "否"):
            return False
        return text
    if field.type == FieldType.MULTI_CHOICE:
        return [part.strip() for part in text.replace(";", ",").split(",") if part.strip()]
    if field.type == FieldType.MONEY:
        amount, _sep, currency = text.partition(" ")
        return {"amount": amount, "currency": currency.strip() or money.DEFAULT_CURRENCY}
    return text

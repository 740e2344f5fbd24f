"""Money: Decimal amounts with a currency, rounded one way everywhere (docs/adr/0002-money.md)."""

import re
import unicodedata
from contextlib import contextmanager
from contextvars import ContextVar
from decimal import ROUND_HALF_UP, Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.formats import number_format
from django.utils.translation import gettext_lazy as _

from .choices import Currency

CENT = Decimal("0.01")
DEFAULT_CURRENCY = Currency.CNY
MAX_DIGITS = 18
DECIMAL_PLACES = 2

# After NFKC (full-width ２０００ is 2000, a thin or no-break space is a space): plain digits
# with an optional decimal point and exponent (1.1e6, as systems write numbers), or digits
# grouped by threes with commas or with spaces.
_PLAIN = re.compile(r"^([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]{1,2})?$")
_GROUPED = re.compile(r"^[0-9]{1,3}(?:(?P<sep>[, ])[0-9]{3})(?:(?P=sep)[0-9]{3})*(\.[0-9]*)?$")

NOT_AN_AMOUNT = _(
    "Enter an amount such as 200000, 200,000 or 1234.56 (a comma groups thousands; "
    "it is never a decimal point)."
)

#: Three digits after the point read as a thousands group to half the world ("1.500" is 1,500
#: in Germany, 1.5 here; "1,000.000" mixes both): typed text like that is refused, never guessed.
_THREE_DECIMALS = re.compile(r"^[0-9][0-9, ]*\.[0-9]{3}$")
AMBIGUOUS_POINT = _(
    "“%(value)s” is ambiguous: three digits after the point look like a thousands group. "
    "Write 1500 or 1,500 for one thousand five hundred, 1.50 for one and a half (the point "
    "is the decimal point, at most two decimals)."
)


def parse_money(value, *, allow_negative: bool = False) -> Decimal:
    """An amount typed or sent by a person or a system, as a Decimal; a ValidationError with
    a clear message otherwise (docs/adr/0002-money.md, "Input").

    Accepted: numbers, and text in plain or full-width digits (NFKC), with thousands grouped
    by commas or spaces ("200,000", "200 000"), or with an exponent ("1.1e6"). Refused:
    anything ambiguous ("1,5", "1.234,56", "1,23,4", "1.500", "1,000.000"), NaN and infinities,
    more than two decimals (never rounded silently), more than 16 digits before the point, and
    a negative amount unless the field allows it.
    """
    if isinstance(value, bool) or value is None:
        raise ValidationError(NOT_AN_AMOUNT, code="invalid")
    if isinstance(value, Decimal | int | float):
        text = str(value)
    elif isinstance(value, str):
        text = unicodedata.normalize("NFKC", value).strip()
    else:
        raise ValidationError(NOT_AN_AMOUNT, code="invalid")
    negative = text.startswith("-")
    digits = text[1:].strip() if text[:1] in "-+" else text
    if isinstance(value, str) and _THREE_DECIMALS.match(digits):
        raise ValidationError(AMBIGUOUS_POINT, code="ambiguous", params={"value": value.strip()})
    if _GROUPED.match(digits):
        digits = digits.replace(",", "").replace(" ", "")
    elif not _PLAIN.match(digits):
        raise ValidationError(NOT_AN_AMOUNT, code="invalid")
    amount = Decimal(digits)
    if negative:
        amount = -amount
    _sign, significant, exponent = amount.normalize().as_tuple()
    if amount and -exponent > DECIMAL_PLACES:
        raise ValidationError(
            _("At most %(places)s decimal places."),
            code="max_decimal_places",
            params={"places": DECIMAL_PLACES},
        )
    if amount and len(significant) + exponent > MAX_DIGITS - DECIMAL_PLACES:
        raise ValidationError(
            _("At most %(digits)s digits before the decimal point."),
            code="max_whole_digits",
            params={"digits": MAX_DIGITS - DECIMAL_PLACES},
        )
    if amount < 0 and not allow_negative:
        raise ValidationError(_("The amount may not be negative."), code="negative")
    return (amount if amount else Decimal(0)).quantize(CENT)


_SYMBOLS = {"CNY": "¥", "USD": "$", "EUR": "€", "HKD": "HK$", "GBP": "£", "JPY": "¥"}


#: Set while a record whose amounts the reader may not see is shown (its page, its timeline):
#: every amount formatted meanwhile reads "—" (issue 20.1's "see amounts"; core.policy).
_amounts_hidden: ContextVar[bool] = ContextVar("amounts_hidden", default=False)


@contextmanager
def amounts_hidden():
    """Within this block, `format_money` shows "—" for every amount."""
    token = _amounts_hidden.set(True)
    try:
        yield
    finally:
        _amounts_hidden.reset(token)


def amounts_shown(record) -> bool:
    """Whether the user a record was read for sees its amounts: False on a row that
    `core.policy.with_amounts_shown` annotated as hidden (`amounts_shown`), and on every row
    read within `amounts_hidden()` (the parts of a hidden record: its nested rows, its page)."""
    return bool(getattr(record, "amounts_shown", True)) and not _amounts_hidden.get()


def format_money(amount, currency: str = "") -> str:
    """An amount with its currency, grouped per the active locale: ¥1,234,567.00. The one way
    money is shown to people (pages, titles, messages, e-mails); CSV exports keep plain
    numbers."""
    if amount in (None, "") or _amounts_hidden.get():
        return "—"
    value = number_format(Decimal(amount), 2, use_l10n=True, force_grouping=True)
    return f"{_SYMBOLS.get(currency, currency + ' ' if currency else '')}{value}"


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
    """A money amount: 18 digits, 2 decimals. Always stored next to a CurrencyField.

    Never negative unless declared with `allow_negative=True`. What a person or a system may
    type into it is parse_money's rule, in forms (formfield) and in the API (the base model
    serializer maps this field to core.api.fields.MoneyField).
    """

    def __init__(self, *args, allow_negative: bool = False, **kwargs):
        kwargs.setdefault("max_digits", MAX_DIGITS)
        kwargs.setdefault("decimal_places", DECIMAL_PLACES)
        # Input validation only: the database column is the same either way, so it is left
        # out of deconstruct() and changes no migration.
        self.allow_negative = allow_negative
        super().__init__(*args, **kwargs)

    def formfield(self, **kwargs):
        return super().formfield(
            **{"form_class": MoneyFormField, "allow_negative": self.allow_negative, **kwargs}
        )


class CurrencyField(models.CharField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("max_length", 3)
        kwargs.setdefault("choices", Currency.choices)
        kwargs.setdefault("default", DEFAULT_CURRENCY)
        super().__init__(*args, **kwargs)


class MoneyFormField(forms.DecimalField):
    """An amount as people type it (parse_money: full-width digits, "200,000", "200 000"),
    in a text box: a number box would refuse the grouping the browser's own way."""

    widget = forms.TextInput

    def __init__(self, *, allow_negative: bool = False, **kwargs):
        self.allow_negative = allow_negative
        kwargs.setdefault("max_digits", MAX_DIGITS)
        kwargs.setdefault("decimal_places", DECIMAL_PLACES)
        super().__init__(**kwargs)

    def to_python(self, value):
        if value in self.empty_values:
            return None
        return parse_money(value, allow_negative=self.allow_negative)

    def widget_attrs(self, widget):
        return {**super().widget_attrs(widget), "inputmode": "decimal"}

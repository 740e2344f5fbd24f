"""One rule per field, the same on every way in (issue 17): the API and its bulk upserts, the
file importers, the web forms and the admin all clean a credit code, a phone number, an
e-mail address or a web address through the one function here, so one value gets one verdict.

Each `clean_*` takes what a person or a system typed and returns the stored form, or raises a
ValidationError with a message that says what is expected. The model fields below carry the
rule to the forms and the admin (`formfield`), to the API (core.api.serializers maps them to
core.api.fields.CleanedCharField) and to `full_clean`; the importers call the functions.
Money is core.money.parse_money's rule and currencies are core.choices.Currency, the same way.
"""

from __future__ import annotations

import functools
import re
import unicodedata

import phonenumbers
from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator, URLValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from .choices import Currency

# -- Unified social credit code (统一社会信用代码), GB 32100-2015 ---------------------------

#: The 31 characters a code is written in, in the order of their values 0..30 (no I O S V Z).
CREDIT_CODE_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_CREDIT_CODE_VALUE = {char: value for value, char in enumerate(CREDIT_CODE_CHARS)}
#: The weight of each of the first 17 characters: 3**i mod 31.
CREDIT_CODE_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_SPACES = re.compile(r"[\s\-]+", re.UNICODE)
#: 18 of the code's characters (CREDIT_CODE_CHARS as a character class: no I, O, S, V, Z).
_CREDIT_CODE_FORMAT = re.compile(r"[0-9A-HJ-NP-RTUW-Y]{18}")


def credit_code_check_char(first17: str) -> str:
    """The 18th character of a code whose first 17 are given (GB 32100-2015, mod 31)."""
    total = sum(
        _CREDIT_CODE_VALUE[char] * weight
        for char, weight in zip(first17, CREDIT_CODE_WEIGHTS, strict=True)
    )
    return CREDIT_CODE_CHARS[(31 - total % 31) % 31]


def complete_credit_code(first17: str) -> str:
    """A valid code from its first 17 characters (test data, demo, generators)."""
    return first17 + credit_code_check_char(first17)


def clean_credit_code(value) -> str:
    """A unified social credit code: 18 characters of 0-9 and A-Y without I, O, S, V and Z,
    the last one its check character. Full-width characters, lower case, spaces and dashes
    as people type them are accepted and dropped; the code is stored in capitals."""
    text = _SPACES.sub("", unicodedata.normalize("NFKC", str(value or ""))).upper()
    if not text:
        return ""
    if not _CREDIT_CODE_FORMAT.fullmatch(text):
        raise ValidationError(
            _(
                "A unified social credit code has 18 characters: digits and capital letters "
                "other than I, O, S, V and Z."
            ),
            code="credit_code_format",
        )
    if credit_code_check_char(text[:17]) != text[17]:
        raise ValidationError(
            _("This unified social credit code's check character is wrong; is it mistyped?"),
            code="credit_code_check",
        )
    return text


# -- Phone numbers ---------------------------------------------------------------------------

#: Numbers without a country code are read as Chinese ones.
DEFAULT_PHONE_REGION = "CN"


#: A Chinese number as it is usually written: "+86" or a trunk 0 or neither, digits grouped by
#: spaces or hyphens. Only these take the short way (`_chinese_national`); anything else,
#: and any number the short way does not find valid, goes through libphonenumber's parser.
_PLAIN_CHINESE = re.compile(r"(?:\+86[ -]?)?[0-9][0-9 -]{5,20}")
_SEPARATORS = str.maketrans("", "", " -")
#: The number types `is_valid_number` tells, as libphonenumber's metadata names them.
_NUMBER_TYPES = (
    "premium_rate",
    "toll_free",
    "shared_cost",
    "voip",
    "personal_number",
    "pager",
    "uan",
    "voicemail",
    "fixed_line",
    "mobile",
)


@functools.cache
def _chinese_plan() -> tuple:
    """libphonenumber's own metadata for China: the whole numbering plan's lengths and
    pattern, and (name, lengths, pattern) of each number type."""
    metadata = phonenumbers.PhoneMetadata.metadata_for_region(DEFAULT_PHONE_REGION)
    general = metadata.general_desc
    types = []
    for name in _NUMBER_TYPES:
        desc = getattr(metadata, name)
        if desc is None or desc.national_number_pattern is None:
            continue
        lengths = frozenset(desc.possible_length or general.possible_length)
        types.append((name, lengths, re.compile(desc.national_number_pattern)))
    pattern = re.compile(general.national_number_pattern)
    return frozenset(general.possible_length), pattern, tuple(types)


def _chinese_national(text: str) -> tuple[str, frozenset[str]] | None:
    """The national number of a Chinese number written the usual way and the types it is valid
    as, or None to ask libphonenumber (whose parser takes ~30 µs a number: most of a 100k-row
    import's cleaning).

    What libphonenumber would do, for the forms taken here only: "+86" then the national
    number, or a trunk 0 then the national number, or an 11-digit mobile number; the national
    number must be valid for one of China's number types. Forms where its parser strips a
    carrier code (national numbers starting 11, 12 or 179), reads an international prefix
    (00) or a country code without "+" (86...) are left to it.
    `tests/trust/test_phone_numbers.py` holds both to the same answers."""
    if not _PLAIN_CHINESE.fullmatch(text):
        return None
    digits = text.translate(_SEPARATORS)
    if digits.startswith("+86"):
        national = digits[3:]
    elif digits.startswith("0"):
        national = digits[1:]
    elif len(digits) == 11 and digits.startswith("1"):
        national = digits
    else:
        return None
    if not national.isdigit() or national[0] == "0" or national.startswith(("11", "12", "179")):
        return None
    lengths, pattern, types = _chinese_plan()
    if len(national) not in lengths or not pattern.fullmatch(national):
        return None
    kinds = frozenset(
        name
        for name, type_lengths, type_pattern in types
        if len(national) in type_lengths and type_pattern.fullmatch(national)
    )
    return (national, kinds) if kinds else None


def _parsed(text: str) -> phonenumbers.PhoneNumber | None:
    """The number libphonenumber's parser reads in `text`, if it is a valid one."""
    try:
        number = phonenumbers.parse(text, DEFAULT_PHONE_REGION)
    except phonenumbers.NumberParseException:
        return None
    return number if phonenumbers.is_valid_number(number) else None


def clean_phone(value) -> str:
    """A phone number in E.164 ("+8613800138000", "+862012345678"): a Chinese number may be
    written without the country code, in any grouping ("020-1234 5678"), in full-width
    digits; other countries' need theirs ("+1 650 253 0000"). Checked with libphonenumber
    (the `phonenumbers` port): the number must be a valid one for its country."""
    text = unicodedata.normalize("NFKC", str(value or "")).strip()
    if not text:
        return ""
    if found := _chinese_national(text):
        return "+86" + found[0]
    number = _parsed(text)
    if number is None:
        raise ValidationError(
            _(
                "Not a phone number: write it like 13800138000, 020-12345678 or, outside "
                "China, with its country code (+1 650 253 0000)."
            ),
            code="phone",
        )
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _chinese_key(national: str, kinds: frozenset[str]) -> str | None:
    """A valid Chinese national number as dialled at home, when its type says so for sure: a
    mobile number as it is, a fixed line's with the trunk 0; None for the rest (the national
    format decides; libphonenumber formats those)."""
    is_mobile, is_fixed = "mobile" in kinds, "fixed_line" in kinds
    if is_mobile and not is_fixed:
        return national
    if is_fixed and not is_mobile:
        return "0" + national
    return None


def _parsed_key(text: str) -> str | None:
    """`phone_key` by libphonenumber's parser and formatter, or None when it finds no valid
    number (the short way's oracle in tests/trust/test_phone_numbers.py)."""
    number = _parsed(text)
    if number is None:
        return None
    if number.country_code == 86:
        national = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
        return re.sub(r"\D", "", national)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)[1:]


def phone_key(value) -> str:
    """The comparable digits of a phone number (duplicate search): a Chinese number as dialled
    at home with its trunk 0 ("02012345678", "13800138000"), another as country code and
    number ("16502530000"); what libphonenumber cannot read, its digits."""
    text = unicodedata.normalize("NFKC", str(value or "")).strip()
    if (found := _chinese_national(text)) and (key := _chinese_key(*found)):
        return key
    if (key := _parsed_key(text)) is not None:
        return key
    digits = re.sub(r"\D", "", text)
    if digits.startswith("0086"):
        digits = digits[4:]
    elif digits.startswith("86") and len(digits) == 13:
        digits = digits[2:]
    return digits


# -- E-mail and web addresses --------------------------------------------------------------

_email = EmailValidator(message=_("Not an e-mail address: write it like name@example.com."))
_url = URLValidator(
    schemes=["http", "https"],
    message=_("Not a web address: write it like example.com or https://example.com/path."),
)


def clean_email(value) -> str:
    """An e-mail address, as Django's EmailValidator reads it; spaces around it dropped."""
    text = unicodedata.normalize("NFKC", str(value or "")).strip()
    if text:
        _email(text)
    return text


def clean_url(value) -> str:
    """A web address. One typed without a scheme ("example.com") is taken as https — what
    people paste from a business card — and stored with it; only http and https."""
    text = unicodedata.normalize("NFKC", str(value or "")).strip()
    if not text:
        return ""
    if "://" not in text:
        text = f"https://{text}"
    _url(text)
    if len(text) > 200:
        raise ValidationError(_("At most 200 characters."), code="max_length")
    return text


# -- Currency codes ----------------------------------------------------------------------------


def clean_currency(value) -> str:
    """An ISO 4217 code of a currency the project supports (core.choices.Currency), in any case."""
    text = unicodedata.normalize("NFKC", str(value or "")).strip().upper()
    if text not in Currency.values:
        raise ValidationError(
            _("Not a currency this CRM keeps: use one of %(codes)s."),
            code="currency",
            params={"codes": ", ".join(Currency.values)},
        )
    return text


# -- Fields that carry a rule ------------------------------------------------------------------


class CleanedFormField(forms.CharField):
    """A form field whose value is cleaned by one of the rules above."""

    def __init__(self, *, cleaner, **kwargs):
        self.cleaner = cleaner
        kwargs.pop("assume_scheme", None)
        super().__init__(**kwargs)

    def to_python(self, value):
        value = super().to_python(value)
        return self.cleaner(value) if value not in self.empty_values else value


class CleanedFieldMixin:
    """A model field whose input goes through `cleaner` (forms, admin, API, full_clean).
    Only input: `to_python` is also how lookups prepare a value, and a search for a
    mistyped code must find nothing rather than fail."""

    cleaner = staticmethod(lambda value: value)

    def clean(self, value, model_instance):
        value = self.to_python(value)
        return super().clean(self.cleaner(value) if value else value, model_instance)

    def formfield(self, **kwargs):
        # No choices, no EmailField/URLField form class: the cleaner is the one rule.
        kwargs = {"form_class": CleanedFormField, "cleaner": self.cleaner, **kwargs}
        return models.Field.formfield(self, max_length=self.max_length, **kwargs)


class CreditCodeField(CleanedFieldMixin, models.CharField):
    cleaner = staticmethod(clean_credit_code)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("max_length", 18)
        super().__init__(*args, **kwargs)


class PhoneField(CleanedFieldMixin, models.CharField):
    """A phone number, stored in E.164 (clean_phone)."""

    cleaner = staticmethod(clean_phone)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("max_length", 40)
        super().__init__(*args, **kwargs)


class EmailField(CleanedFieldMixin, models.EmailField):
    cleaner = staticmethod(clean_email)


class URLField(CleanedFieldMixin, models.URLField):
    cleaner = staticmethod(clean_url)

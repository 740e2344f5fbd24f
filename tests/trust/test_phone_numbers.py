"""The short way to a Chinese phone number gives libphonenumber's answer (issue 24.3), both
the stored form and the duplicate key.

`core.validators.clean_phone` reads the usual Chinese forms ("13800138000", "0757-8000 0001",
"+86 20 1234 5678") itself, from libphonenumber's own metadata, because its parser was most of
a large import's cleaning. This holds the short way to the parser on every mobile prefix and
every area code, in every written form the short way takes, valid and not: where the short way
answers, it must be the parser's answer; where it does not, the parser decides.
"""

from __future__ import annotations

import random

import phonenumbers
import pytest
from django.core.exceptions import ValidationError

from core import validators
from core.validators import clean_phone, phone_key


def parser_answer(text: str) -> str | None:
    """libphonenumber alone: the E.164 form, or None when it is no valid number."""
    number = validators._parsed(text)
    if number is None:
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def written_forms(national: str, rng: random.Random) -> list[str]:
    """The ways people write one national number, grouped at random."""
    cut = rng.randint(2, max(len(national) - 2, 2))
    grouped = f"{national[:cut]} {national[cut:]}"
    hyphened = f"{national[:cut]}-{national[cut:]}"
    forms = [
        f"0{national}",
        f"0{hyphened}",
        f"0{grouped}",
        f"+86{national}",
        f"+86 {grouped}",
        f"+86-{hyphened}",
        national,
    ]
    return [national, *rng.sample(forms, 3)]  # (the parser takes ~80 µs a number)


def numbers(rng: random.Random):
    """National numbers over the whole plan: every 4-digit start of a number beginning with
    1 (mobile, Beijing, carrier codes, service numbers) and every 2- and 3-digit area code,
    each followed by tails of every length the plan knows, plus some that are too short or
    too long."""
    digits = "0123456789"
    for start in range(1000, 2000):
        for length in (8, 11, rng.choice((7, 10, 12))):
            yield f"{start}{''.join(rng.choices(digits, k=length - 4))}"
    for area in [*range(10, 100), *range(100, 1000)]:
        for length in (7, 8, rng.choice((5, 6, 9, 10))):
            yield f"{area}{''.join(rng.choices(digits, k=length))}"


def test_the_short_way_gives_the_parsers_answer_on_every_prefix_and_area_code():
    rng = random.Random(2412)
    taken = checked = 0
    for national in numbers(rng):
        for text in written_forms(national, rng):
            checked += 1
            found = validators._chinese_national(text)
            if found is None:
                continue
            taken += 1
            assert "+86" + found[0] == parser_answer(text), text
            assert phone_key(text) == validators._parsed_key(text), text
    # The short way must cover the usual forms, or it saves nothing.
    assert taken > checked // 10


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("13800138000", "+8613800138000"),
        ("138 0013 8000", "+8613800138000"),
        ("+86 138-0013-8000", "+8613800138000"),
        ("0757-80000001", "+8675780000001"),
        ("020 1234 5678", "+862012345678"),
        ("010-12345678", "+861012345678"),
        ("０２０－１２３４５６７８", "+862012345678"),  # full width
        ("0086 138 0013 8000", "+8613800138000"),  # international prefix, left to the parser
        ("+1 650 253 0000", "+16502530000"),
    ],
)
def test_usual_and_unusual_forms_are_stored_as_the_parser_reads_them(typed, stored):
    assert parser_answer(typed) == stored
    assert clean_phone(typed) == stored


@pytest.mark.parametrize(
    "typed",
    [
        "12345",
        "0757-1",
        "138001380001",
        "+86 000 1234 5678",
        "17912345678",  # 179 starts a carrier code: the parser strips it, and what is left fails
    ],
)
def test_numbers_that_are_not_valid_are_refused(typed):
    with pytest.raises(ValidationError):
        clean_phone(typed)


def test_the_duplicate_key_of_a_number_is_the_same_whichever_way_it_was_written():
    assert phone_key("0757-8000 0001") == phone_key("+86 757 8000 0001") == "075780000001"

"""The main pages and record pages of the demo company, read in Chinese by each role, show
choices by their display names (never "go", "open", "on_date"), money grouped with its
currency (never "200000.00") and dates in the reader's locale (never "2026-12-06").

The timeline (core/audit.py `describe`, timeline.html) has its own check, where it is written;
its section is left out here."""

import io
import re
from html.parser import HTMLParser

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import models, transaction
from django.urls import reverse
from django.utils import translation

from accounts.models import Customer, User
from contracts.models import Contract
from core import policy
from core.choices import Currency
from core.models import GateReview
from leads.models import Lead
from opportunities.models import Opportunity, Quote
from receivables.models import PaymentMilestone, Receipt
from tests.ltc.test_pages_in_chinese import MAIN_PAGES, MEANT_IN_ENGLISH, english_messages

pytestmark = pytest.mark.django_db

DASHBOARDS = [
    "/key-accounts/funnel/",
    "/key-accounts/pipeline/",
    "/key-accounts/presales/",
    "/key-accounts/collections/",
    "/key-accounts/renewals/",
    "/collections/",
    "/collections/mine/",
    "/collections/write-offs/",
]
RECORDS = [Lead, Opportunity, Quote, Contract, Customer, PaymentMilestone, Receipt, GateReview]
READERS = ["ar.chen", "mgr.zhao", "dir.liu", "fin.sun"]

UNGROUPED_AMOUNT = re.compile(r"(?<![\d,.])\d{4,}\.\d{2}(?![\d])")
ISO_DATE = re.compile(r"(?<!\d)\d{4}-\d{2}-\d{2}(?!\d)")


class _VisibleTexts(HTMLParser):
    """Text nodes people see (and the labels screen readers read), outside the timeline."""

    def __init__(self):
        super().__init__()
        self.texts: list[str] = []
        self._skip: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        skipped = tag in ("script", "style", "template") or "timeline-title" in (
            attrs.get("aria-labelledby") or ""
        )
        if self._skip or skipped:
            self._skip.append(tag)
            return
        for name in ("aria-label", "title", "placeholder", "alt"):
            if attrs.get(name):
                self.texts.append(attrs[name].strip())

    def handle_endtag(self, tag):
        if self._skip and self._skip[-1] == tag:
            self._skip.pop()

    def handle_startendtag(self, tag, attrs):
        if not self._skip:
            self.handle_starttag(tag, attrs)
            if self._skip and self._skip[-1] == tag:
                self._skip.pop()

    def handle_data(self, data):
        if not self._skip and data.strip():
            self.texts.append(" ".join(data.split()))


VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}


def visible_texts(html: str) -> list[str]:
    parser = _VisibleTexts()
    # A void element never ends: keep the skip stack honest.
    void = "|".join(VOID)
    parser.feed(re.sub(rf"<({void})\b([^>]*?)/?>", r"<\1\2/>", html))
    return parser.texts


def raw_choice_values() -> dict[str, str]:
    """Every stored choice value of the project whose display name says something else,
    with the model field it belongs to."""
    found = {}
    for model in apps.get_models():
        if model.__module__.split(".")[0] not in {
            "core",
            "accounts",
            "partners",
            "leads",
            "opportunities",
            "contracts",
            "receivables",
            "keyaccounts",
        }:
            continue
        for field in model._meta.get_fields():
            choices = getattr(field, "choices", None)
            if not choices or not isinstance(field, models.CharField):
                continue
            if field.choices == Currency.choices:
                continue  # "CNY" is how people write a currency
            for value, label in field.flatchoices:
                if isinstance(value, str) and re.search("[a-z]", value) and str(label) != value:
                    found.setdefault(value, f"{model.__name__}.{field.name}")
    return found


def problems(html: str, raw: dict[str, str], english: set[str]) -> list[str]:
    found = []
    for text in visible_texts(html):
        if text in raw:
            found.append(f"raw choice value {text!r} ({raw[text]})")
        elif text in english and text not in MEANT_IN_ENGLISH:
            found.append(f"English {text!r}")
        if UNGROUPED_AMOUNT.search(text):
            found.append(f"ungrouped amount in {text!r}")
        if ISO_DATE.search(text):
            found.append(f"ISO date in {text!r}")
    return found


def test_the_check_catches_raw_values_ungrouped_amounts_and_iso_dates():
    raw, english = raw_choice_values(), english_messages()
    assert {"go", "open", "on_date"} <= set(raw)
    page = (
        "<td>go</td><td>open</td><p>Total 200000.00</p><p>Due 2026-12-06</p>"
        '<section aria-labelledby="timeline-title"><p>2026-12-06</p></section>'
        "<td>放行</td><td>¥200,000.00</td><td>2026年12月6日</td>"
    )
    found = sorted(problems(page, raw, english))
    assert [f.split(" (")[0] for f in found] == [
        "ISO date in 'Due 2026-12-06'",
        "raw choice value 'go'",
        "raw choice value 'open'",
        "ungrouped amount in 'Total 200000.00'",
    ]


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        call_command("seed_demo", password="pages-pass-123", stdout=io.StringIO())
        yield
        transaction.set_rollback(True)


def record_pages(user) -> list[str]:
    """A few records of each kind the user may see, and battle maps of their customers."""
    urls = []
    for model in RECORDS:
        for record in policy.restrict(model.objects.all(), user, "view").order_by("-pk")[:3]:
            urls.append(record.get_absolute_url())
    for customer in policy.restrict(Customer.objects.all(), user, "view").order_by("pk")[:2]:
        urls.append(reverse("receivables:battle-map", args=[customer.pk]))
    return urls


@pytest.mark.parametrize("username", READERS)
def test_pages_in_chinese_show_display_names_grouped_money_and_local_dates(demo, client, username):
    user = User.objects.get(username=username)
    user.language = "zh-hans"
    user.save(update_fields=["language"])
    client.force_login(user)
    raw, english = raw_choice_values(), english_messages()
    found = {}
    try:
        for url in [*MAIN_PAGES, *DASHBOARDS, *record_pages(user)]:
            response = client.get(url)
            if response.status_code != 200 or "text/html" not in response["Content-Type"]:
                continue  # not this role's page
            wrong = problems(response.content.decode(), raw, english)
            if wrong:
                found[url] = sorted(set(wrong))
    finally:
        translation.activate("en")
    assert found == {}, "\n".join(f"{url}: {wrong}" for url, wrong in found.items())

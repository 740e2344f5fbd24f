"""No main page shows an untranslated string in Chinese: every text a page renders (and its
labels, placeholders and titles) is looked up in the English catalogue; a text that is an
English message id with a different Chinese translation means the page skipped gettext, or
the catalogue misses it."""

from html.parser import HTMLParser

import pytest
from django.utils import translation
from django.utils.translation import trans_real

from core.api.schema_view import schema_cache_clear
from core.messages import message
from core.notifications import notify
from tests.factories import ContractFactory, LeadFactory, OpportunityFactory, team

pytestmark = pytest.mark.django_db

MAIN_PAGES = [
    "/",
    "/leads/",
    "/leads/new/",
    "/leads/board/",
    "/opportunities/",
    "/opportunities/new/",
    "/opportunities/board/",
    "/gates/",
    "/contracts/",
    "/collections/",
    "/collections/receipts/",
    "/collections/receipts/new/",
    "/customers/",
    "/customers/new/",
    "/key-accounts/",
    "/channels/",
    "/channels/schemes/",
    "/channels/statements/",
    "/reports/",
    "/reports/new/",
    "/notifications/",
    "/search/?q=port",
]


class _Texts(HTMLParser):
    """Visible texts and the attributes people read (labels for screen readers too)."""

    def __init__(self):
        super().__init__()
        self.texts: set[str] = set()
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self._skip += 1
        for name, value in attrs:
            if name in ("aria-label", "placeholder", "title", "alt") and value:
                self.texts.add(value.strip())

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip and data.strip():
            self.texts.add(" ".join(data.split()))


def english_messages() -> set[str]:
    """Every message id whose Chinese differs from it (so it must never show in Chinese)."""
    catalog = trans_real.translation("zh-hans")._catalog
    return {
        key
        for key, value in catalog.items()
        if isinstance(key, str) and key and value != key and any(c.isalpha() for c in key)
    }


#: Shown in English on purpose: each language's name in that language (the switch).
MEANT_IN_ENGLISH = {"English"}


def untranslated(html: str, english: set[str]) -> set[str]:
    parser = _Texts()
    parser.feed(html)
    return {
        text
        for text in parser.texts - MEANT_IN_ENGLISH
        if text in english or text.rstrip(":") in english
    }


@pytest.fixture
def book(org):
    lead = LeadFactory(owner=org.rep, title="Port cranes")
    opportunity = OpportunityFactory(
        owner=org.rep, name="Port automation", team=team(ar=org.rep, sr=org.sr, fr=org.fr)
    )
    contract = ContractFactory(owner=org.rep, title="Port delivery")
    news = message("lead.assigned", lead=str(lead))
    notify(recipients=[org.rep], kind="lead.assigned", message=news, target=lead)
    return [lead, opportunity, contract, opportunity.customer]


@pytest.mark.parametrize("who", ["rep", "manager", "finance"])
def test_no_main_page_shows_an_untranslated_string_in_chinese(client, org, book, who):
    user = getattr(org, who)
    user.language = "zh-hans"
    user.save(update_fields=["language"])
    client.force_login(user)
    english = english_messages()
    found = {}
    try:
        for url in [*MAIN_PAGES, *(r.get_absolute_url() for r in book)]:
            response = client.get(url)
            if response.status_code != 200:
                continue  # not this role's page
            assert response["Content-Language"] == "zh-hans"
            leftovers = untranslated(response.content.decode(), english)
            if leftovers:
                found[url] = sorted(leftovers)
    finally:
        translation.activate("en")  # the middleware leaves this thread speaking Chinese
    assert found == {}


def test_the_check_catches_an_english_string(org):
    english = english_messages()
    assert untranslated("<h2>Gate reviews waiting for you</h2>", english)
    assert untranslated('<input placeholder="Search customers, leads, deals…">', english)
    assert not untranslated("<h2>待我处理的决策评审</h2><td>Port cranes</td>", english)


def test_amounts_are_grouped_in_both_languages(client, org):
    from decimal import Decimal

    OpportunityFactory(owner=org.rep, amount=Decimal("1234567.50"), currency="CNY")
    client.force_login(org.rep)
    assert "¥1,234,567.50" in client.get("/").content.decode()
    org.rep.language = "zh-hans"
    org.rep.save(update_fields=["language"])
    try:
        page = client.get("/").content.decode()
    finally:
        translation.activate("en")
    assert "¥1,234,567.50" in page  # Chinese finance groups by three, as English does


def test_filters_speak_the_users_language_even_after_english_labelled_them(client, org):
    """django-filter keeps a default label once made; the API schema makes them in English."""
    schema_cache_clear()  # made now, not taken from the cache
    client.force_login(org.admin)
    assert client.get("/api/v1/schema/").status_code == 200
    org.rep.language = "zh-hans"
    org.rep.save(update_fields=["language"])
    client.force_login(org.rep)
    english = english_messages()
    try:
        pages = {url: client.get(url).content.decode() for url in ("/leads/", "/contracts/")}
    finally:
        translation.activate("en")
    for url, html in pages.items():
        assert untranslated(html, english) == set(), url

"""Every destructive or irreversible action a page offers asks first, the same way: its form
carries `data-confirm` (static/js/app.js opens the shared confirmation dialog, or the form is
itself inside a <dialog> with its own Cancel), and a form that is not inside a dialog also holds
the no-JavaScript fallback, a required "I am sure" box.

The proof walks the pages of the demo company (`seed_demo`) as users of every role, following
the links of each page, and checks every POST form whose action is destructive."""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
from django.core.management import call_command
from django.db import transaction
from django.test import Client
from django.urls import Resolver404, resolve, reverse

from accounts.models import User

pytestmark = pytest.mark.django_db

#: Route names whose every POST destroys, reverses or cannot be taken back.
DESTRUCTIVE_ROUTES = {
    "saved-view-delete",
    "imports:cancel",
    "leads:imports-cancel",
    "opportunities:chain-remove",
    "opportunities:competitor-remove",
    "receivables:receipt-reverse",
    "receivables:allocation-reverse",
    "receivables:invoice-cancel",
    "receivables:write-off-request",
    "keyaccounts:tier-override-clear",
    "accounts:customer-merge",
}
#: Transition or decision names (the route's `name` / `decision` argument) that are.
DESTRUCTIVE_VERBS = {
    "disqualify",
    "lose",
    "abandon",
    "suspend",
    "terminate",
    "decline",
    "withdraw",
    "cancel",
    "reject",
    "approve",
}
#: A page posting to itself says what it does in a hidden field.
DESTRUCTIVE_HIDDEN = {("action", "withdraw"), ("action", "remove_item"), ("action", "decide")}
DESTRUCTIVE_HIDDEN |= {("form", "decide")}

USERS = ["admin", "dir.liu"]
#: Pages of one shape (ids replaced) visited per user: enough to meet each state.
PER_SHAPE = 2
SKIP = ("/api/", "/admin/", "/logout", "/static/", "export", "download", "/two-factor/")


@dataclass
class Form:
    attrs: dict
    in_dialog: bool
    hidden: set = field(default_factory=set)
    fallback: bool = False


class _Page(HTMLParser):
    def __init__(self):
        super().__init__()
        self.links: list[str] = []
        self.forms: list[Form] = []
        self._form: Form | None = None
        self._dialogs = 0
        self._noscript = 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "a" and attrs.get("href"):
            self.links.append(attrs["href"])
        elif tag == "dialog":
            self._dialogs += 1
        elif tag == "noscript":
            self._noscript += 1
        elif tag == "form":
            self._form = Form(attrs, in_dialog=self._dialogs > 0)
            self.forms.append(self._form)
        elif tag == "input" and self._form is not None:
            if attrs.get("type") == "hidden":
                self._form.hidden.add((attrs.get("name"), attrs.get("value")))
            if (
                self._noscript
                and attrs.get("name") == "confirmed"
                and attrs.get("type") == "checkbox"
                and "required" in attrs
            ):
                self._form.fallback = True

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag):
        if tag == "dialog":
            self._dialogs -= 1
        elif tag == "noscript":
            self._noscript -= 1
        elif tag == "form":
            self._form = None


def destructive(form: Form, page_path: str) -> str | None:
    """What the form destroys (a label for the report), or None."""
    if (form.attrs.get("method") or "get").lower() != "post":
        return None
    path = urlsplit(form.attrs.get("action") or page_path).path
    try:
        match = resolve(path)
    except Resolver404:
        return None
    route = match.view_name
    if route in DESTRUCTIVE_ROUTES:
        return route
    for key in ("name", "decision"):
        if match.kwargs.get(key) in DESTRUCTIVE_VERBS:
            return f"{route}:{match.kwargs[key]}"
    hidden = form.hidden & DESTRUCTIVE_HIDDEN
    if hidden:
        return f"{route}:{sorted(hidden)[0][1]}"
    return None


def shape(path: str) -> str:
    return re.sub(r"\d+", "N", path)


def crawl(client: Client, found: dict, failures: list) -> None:
    queue, seen, shapes = ["/"], set(), {}
    while queue:
        url = queue.pop(0)
        path = urlsplit(url).path
        if url in seen or any(part in url for part in SKIP) or not path.startswith("/"):
            continue
        seen.add(url)
        key = shape(path)
        if shapes.get(key, 0) >= PER_SHAPE:
            continue
        shapes[key] = shapes.get(key, 0) + 1
        response = client.get(url)
        if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
            continue
        page = _Page()
        page.feed(response.content.decode())
        for form in page.forms:
            what = destructive(form, path)
            if what is None:
                continue
            found.setdefault(what, url)
            if not form.attrs.get("data-confirm"):
                failures.append(f"{url}: {what} has no data-confirm")
            elif not form.in_dialog and not form.fallback:
                failures.append(f"{url}: {what} has no no-JavaScript confirmation")
        for link in page.links:
            link = link.split("#")[0].split("?")[0]  # filters and pages: the same forms
            if link.startswith("/") and link not in seen:
                queue.append(link)


@pytest.fixture(scope="module")
def walked(django_db_setup, django_db_blocker):
    found: dict[str, str] = {}
    failures: list[str] = []
    with django_db_blocker.unblock(), transaction.atomic():
        call_command("seed_demo", password="confirm-pass-123", stdout=io.StringIO())
        for username in USERS:
            client = Client()
            client.force_login(User.objects.get(username=username))
            saved = {"page": "leads:list", "name": "Mine", "query": "state=new", "next": "/leads/"}
            assert client.post(reverse("saved-view-save"), saved).status_code == 302
            crawl(client, found, failures)
        transaction.set_rollback(True)
    return found, failures


def test_every_destructive_action_on_the_pages_asks_first(walked):
    found, failures = walked
    assert not failures, "\n".join(failures)


def test_the_walk_meets_the_destructive_actions_of_each_stage(walked):
    """The walk reaches them (so the check above is not empty): each of these was seen."""
    found, _failures = walked
    routes = set(found)
    expected = {
        "saved-view-delete",
        "leads:transition:disqualify",
        "opportunities:transition:lose",
        "receivables:receipt-reverse",
        "receivables:invoice-cancel",
    }
    assert expected <= routes, (sorted(expected - routes), sorted(found.items()))

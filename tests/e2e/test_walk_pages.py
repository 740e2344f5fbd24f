"""The walk's map of pages (tests/e2e/pages.py) keeps up with the URL map: a new page with
arguments fails here until it names the demo record it shows, so no page escapes the walk of
issue 19 (width, clipping, English on Chinese pages). No browser needed."""

from __future__ import annotations

import pytest
from django.urls import get_resolver, reverse

from accounts.models import User
from core.choices import Role

from .pages import ARGUMENTS, NOT_PAGES, _walk, routed_pages

ROUTES = {name: pattern for _route, name, pattern in _walk(get_resolver().url_patterns)}


def test_every_page_with_arguments_names_its_demo_record():
    missing = sorted(
        name for name, _route, has_args in routed_pages() if has_args and name not in ARGUMENTS
    )
    assert not missing, (
        f"say in tests/e2e/pages.py ARGUMENTS which demo record these show: {missing}"
    )


def test_the_map_names_only_routed_pages():
    stale = sorted((set(ARGUMENTS) | set(NOT_PAGES)) - set(ROUTES))
    assert not stale, f"no longer routed: {stale}"


def _placeholder_kwargs(pattern) -> dict:
    converters = getattr(pattern.pattern, "converters", {})
    kwargs = {}
    for key in pattern.pattern.regex.groupindex:
        converter = converters.get(key)
        kwargs[key] = 1 if converter is None or type(converter).__name__ == "IntConverter" else "x"
    return kwargs


@pytest.mark.django_db
def test_what_the_walk_skips_as_post_only_refuses_a_get(client):
    """POST only is a fact of the view, not a guess: a GET is a 405 before any lookup."""
    client.force_login(User.objects.create_user(username="walker", password="x", role=Role.ADMIN))
    wrong = {}
    for name, reason in NOT_PAGES.items():
        if reason != "POST only" or name == "logout":
            continue
        pattern = ROUTES[name]
        kwargs = _placeholder_kwargs(pattern)
        status = client.get(reverse(name, kwargs=kwargs)).status_code
        if status != 405:
            wrong[name] = status
    assert not wrong, wrong

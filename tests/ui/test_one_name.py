"""One name for one thing (issue 19.8): each menu entry opens a page headed with the menu's
own words (or, for a section of tabs, whose tab row bears them), for every role, in both
languages."""

from __future__ import annotations

import html
import re

import pytest
from django.urls import reverse
from django.utils import translation

from core.context_processors import NAVIGATION

pytestmark = pytest.mark.django_db

ROLES = ["rep", "manager", "finance", "admin"]


def names(page: str) -> set[str]:
    """The page's heading, and the label of its row of tabs if it has one."""
    found = {
        html.unescape(re.sub(r"<[^>]+>", "", h)).strip()
        for h in re.findall(r"<h1[^>]*>(.*?)</h1>", page, re.S)
    }
    found.update(
        html.unescape(t) for t in re.findall(r'<nav class="tabs[^"]*" aria-label="([^"]+)"', page)
    )
    return found


@pytest.mark.parametrize("language", ["en", "zh-hans"])
@pytest.mark.parametrize("role", ROLES)
def test_each_menu_entry_opens_a_page_of_that_name(org, client, role, language):
    user = getattr(org, role)
    user.language = language
    user.save(update_fields=["language"])
    client.force_login(user)
    home = client.get("/").content.decode()
    for _prefix, label, url_name, _roles in NAVIGATION:
        url = reverse(url_name)
        if url == "/" or f'href="{url}"' not in home:
            continue  # home, or not on this role's menu
        with translation.override(language):
            name = str(label)
        page = client.get(url)
        assert page.status_code == 200, url
        assert name in names(page.content.decode()), (url, name)

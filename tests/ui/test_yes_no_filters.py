"""A yes/no filter left alone reads "Any" (不限), never django-filter's "Unknown" (issue 19.8),
on every list page that has one, in both languages."""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.django_db

#: List pages with yes/no filters, and one of those filters on each.
PAGES = {
    "/leads/": "open",
    "/opportunities/": "open",
    "/collections/": "overdue",
}


def first_option(html: str, name: str) -> str:
    select = re.search(rf'<select name="{name}"[^>]*>(.*?)</select>', html, re.S)
    assert select, f"no {name} filter"
    return re.search(r"<option[^>]*>([^<]*)</option>", select.group(1)).group(1).strip()


@pytest.mark.parametrize(("language", "any_"), [("en", "Any"), ("zh-hans", "不限")])
@pytest.mark.parametrize(("path", "name"), PAGES.items())
def test_a_yes_no_filter_not_chosen_reads_any(org, client, path, name, language, any_):
    org.manager.language = language
    org.manager.save(update_fields=["language"])
    client.force_login(org.manager)
    page = client.get(path)
    assert page.status_code == 200, path
    html = page.content.decode()
    assert first_option(html, name) == any_
    assert "Unknown" not in html and "未知" not in html

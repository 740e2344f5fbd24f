"""Every page and API response carries the security headers (Content-Security-Policy,
Permissions-Policy, Referrer-Policy, X-Content-Type-Options), and no template holds what that
policy refuses (inline script, event handler attribute or style attribute).

tests/e2e/test_content_security_policy.py checks the pages in a real browser."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import URLPattern, URLResolver, get_resolver

pytestmark = pytest.mark.django_db

BASE = Path(settings.BASE_DIR)


def parameterless_paths(patterns=None, prefix: str = "") -> list[str]:
    """Every routed path that takes no parameter: the pages, the API's lists and actions."""
    paths = []
    for pattern in patterns if patterns is not None else get_resolver().url_patterns:
        route = str(pattern.pattern)
        if route.startswith("^"):  # the API router's regex routes
            route = route.removeprefix("^").removesuffix("$")
        if re.search(r"[<()\[\]*+?|\\]", route):
            continue  # takes a parameter
        if isinstance(pattern, URLResolver):
            paths += parameterless_paths(pattern.url_patterns, prefix + route)
        elif isinstance(pattern, URLPattern):
            paths.append("/" + prefix + route)
    return sorted(set(paths))


def assert_secure(response, path: str) -> None:
    policy = response.headers.get("Content-Security-Policy", "")
    directives = dict(
        (part.strip().split(" ", 1) + [""])[:2] for part in policy.split(";") if part.strip()
    )
    assert directives.get("script-src") == "'self'", (path, policy)
    assert directives.get("style-src") == "'self'", (path, policy)
    assert directives.get("frame-ancestors") == "'none'", (path, policy)
    assert directives.get("object-src") == "'none'", (path, policy)
    assert "unsafe" not in policy, (path, policy)
    assert "camera=()" in response.headers.get("Permissions-Policy", ""), path
    assert response.headers.get("Referrer-Policy") == "same-origin", path
    assert response.headers.get("X-Content-Type-Options") == "nosniff", path


def test_every_page_and_api_response_has_the_headers(client, org):
    paths = parameterless_paths()
    assert {"/", "/leads/", "/api/v1/leads/", "/api/v1/schema/", "/api/docs/"} <= set(paths)
    for path in ["/login/", "/api/v1/leads/", "/api/v1/schema/", "/no-such-page/"]:
        assert_secure(client.get(path), path)  # signed out: a page, 401s, a 404
    client.force_login(org.admin)
    for path in paths:
        if "export" in path or path.endswith(("/template/", "/logout/")):
            continue  # downloads (their own test files), and signing out
        if path.startswith("/admin/") and path.endswith("/add/"):
            continue  # the admin's changelists stand for its forms: one middleware for all
        assert_secure(client.get(path), path)
    assert_secure(client.post("/api/v1/leads/", {}, content_type="application/json"), "POST")


#: What the policy refuses, as it appears in a template.
REFUSED = {
    "inline script": re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*application/(ld\+)?json)[^>]*>"),
    "event handler attribute": re.compile(r"<[a-z][^>]*\son[a-z]+\s*=", re.IGNORECASE),
    "style attribute": re.compile(r"<[a-z][^>]*\sstyle\s*=", re.IGNORECASE),
    "inline <style>": re.compile(r"<style[\s>]"),
}


def test_no_template_holds_inline_script_handlers_or_style():
    templates = [
        path
        for path in BASE.rglob("*.html")
        if ".venv" not in path.parts and "tests" not in path.parts
    ]
    assert len(templates) > 50
    found = [
        f"{path.relative_to(BASE)}: {what}"
        for path in templates
        for what, pattern in REFUSED.items()
        if pattern.search(
            re.sub(r"{%\s*comment\s*%}.*?{%\s*endcomment\s*%}", "", path.read_text(), flags=re.S)
        )
    ]
    assert not found, "\n".join(found)

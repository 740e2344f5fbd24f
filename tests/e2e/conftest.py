"""Real-browser fixtures: Debian's headless Chromium driven by Playwright against the live
server. Skipped (not failed) only where Chromium or Playwright is absent; CI installs both."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from django.test import Client

from tests.conftest import on_postgresql

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts" / "e2e"
LAPTOP = {"width": 1280, "height": 860}
PHONE = {"width": 390, "height": 844}
LANGUAGES = ["en", "zh-hans"]


#: Browser tests of layout and in-page behaviour (widths, charts drawn, htmx swaps), which do
#: not depend on the database: run on the embedded default only, so CI runs them once.
ONCE = (
    "test_role_homes.py",
    "test_stuck_deals.py",
    "test_timeline.py",
    "test_guiding_forms.py",
    "test_content_security_policy.py",
    "test_journey_chat_action.py",
    "test_gate_flow.py",
)


def pytest_collection_modifyitems(items):
    once = pytest.mark.skipif(
        on_postgresql(),
        reason="a layout check, run on the embedded default only",
    )
    for item in items:
        if "tests/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)
            if item.fspath.basename in ONCE:
                item.add_marker(once)


#: Debian's old headless shell first: the same Blink as `chromium`, without the full browser's
#: compositing and drawing of every frame; a page walk took 31 s of browser CPU in it against
#: 54 s in `chromium --headless` (the finance walk, alone on the machine). Playwright's own
#: headless default is the same shell. `chromium` where the shell is not installed.
BROWSERS = ("chromium-headless-shell", "chromium")


def browser_executable() -> str | None:
    return next(filter(None, map(shutil.which, BROWSERS)), None)


@pytest.fixture(scope="module")
def browser():
    """Headless Chromium for one test module. While Playwright's sync API runs its event loop
    in this thread, Django's ORM must still be usable here (test data, the live server's
    flush): DJANGO_ALLOW_ASYNC_UNSAFE is set for that time only, so nothing else (a
    subprocess running check --deploy) inherits it."""
    executable = browser_executable()
    if executable is None:
        pytest.skip("Debian's chromium is not installed")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("playwright is not installed")
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(
                executable_path=executable, args=["--no-sandbox", "--disable-gpu"]
            )
            yield chromium
            chromium.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def open_as(browser, live_server, transactional_db):
    """`open_as(user, language=None, viewport=LAPTOP)`: a browser page signed in as `user`
    (a real session cookie), speaking `language` when given (stored on the user, as the switch
    does)."""
    contexts = []

    def make(user, language: str | None = None, viewport: dict | None = None):
        if language is not None and user.language != language:
            user.language = language
            user.save(update_fields=["language"])
        client = Client()
        client.force_login(user)
        context = browser.new_context(
            base_url=live_server.url, viewport=viewport or LAPTOP, locale="en-US"
        )
        context.set_default_timeout(10_000)
        context.add_cookies(
            [
                {
                    "name": name,
                    "value": morsel.value,
                    "url": live_server.url,
                }
                for name, morsel in client.cookies.items()
            ]
        )
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def screenshot(request):
    """`screenshot(page, step)`: save a full-page PNG under tests/artifacts/e2e/ (with
    `full_page=False`, only the screen the user sees: much cheaper on a long page)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    test_name = request.node.name.replace("[", "-").replace("]", "").replace("/", "-")

    def shoot(page, step: str, full_page: bool = True) -> Path:
        path = ARTIFACTS / f"{test_name}-{step}.png"
        page.screenshot(path=str(path), full_page=full_page)
        return path

    return shoot

"""The pages work under the Content-Security-Policy: a real browser visits the main pages of the
demo company, with their charts, htmx and dialogs, and the API docs (Swagger UI), as a rep and
as an administrator (who sees every page, and the admin's); any violation the browser reports
fails the test."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from accounts.models import Customer, User
from contracts.models import Contract
from core.models import GateReview
from keyaccounts.models import AccountPlan, SalesTarget
from leads.models import Lead
from opportunities.models import Opportunity
from receivables.models import PaymentMilestone

#: Listens before any script of the page runs (Playwright injects it, outside the page's CSP).
LISTEN = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__violations.push(`${event.violatedDirective} ${event.blockedURI || "inline"}`
    + ` at ${event.sourceFile || ""}:${event.lineNumber}`);
});
"""

PAGES = [
    "/",
    "/leads/",
    "/leads/board/",
    "/opportunities/",
    "/gates/",
    "/contracts/",
    "/collections/",
    "/customers/",
    "/key-accounts/",
    "/key-accounts/funnel/",
    "/key-accounts/pipeline/",
    "/key-accounts/collections/",
    "/key-accounts/targets/",
    "/key-accounts/plans/",
    "/search/?q=中国",
    "/notifications/",
    "/api/docs/",
]


def record_pages() -> list[str]:
    return [
        model.objects.order_by("pk").first().get_absolute_url()
        for model in (
            Lead,
            Opportunity,
            GateReview,
            Contract,
            PaymentMilestone,
            Customer,
            AccountPlan,
            SalesTarget,
        )
    ]


@pytest.fixture
def demo(transactional_db):
    call_command("seed_demo", password="csp-demo-pass-1", stdout=io.StringIO())


def watch(page) -> list[str]:
    """Violations as they come: the page's own events and the browser console's reports."""
    page.add_init_script(LISTEN)
    found: list[str] = []

    def on_console(message):
        if message.type == "error" and "Content Security Policy" in message.text:
            found.append(f"{page.url}: {message.text}")

    page.on("console", on_console)
    return found


def visit(page, url: str) -> list[str]:
    response = page.goto(url, wait_until="load")
    assert response is not None and response.status == 200, (url, response and response.status)
    page.wait_for_timeout(150)  # charts and htmx start after load
    return [f"{url}: {violation}" for violation in page.evaluate("window.__violations")]


ADMIN_PAGES = ["/admin/", "/admin/accounts/user/", "/admin/accounts/customer/add/"]


@pytest.mark.parametrize("username, extra", [("ar.chen", []), ("admin", ADMIN_PAGES)])
def test_the_pages_raise_no_csp_violation(demo, open_as, username, extra):
    page = open_as(User.objects.get(username=username))
    found = watch(page)
    for url in [*PAGES, *record_pages(), *extra]:
        found += visit(page, url)
    # The docs page really drew the API (Swagger UI ran, and fetched the document).
    page.goto("/api/docs/")
    page.locator(".swagger-ui .opblock").first.wait_for()
    found += [f"/api/docs/: {v}" for v in page.evaluate("window.__violations")]
    assert not found, "\n".join(found)

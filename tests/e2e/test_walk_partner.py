"""The partner user's pages (partner.lin, ADR 21), in English and Chinese, at 1440, 1280 and
390 px: the portal's pages fit a phone and speak Chinese.

A partner user is sent to the portal's home from every internal page
(`core.middleware.PortalFenceMiddleware`; `tests/portal/` checks the redirect of every page of
the URL map with the test client). Walking all of them in the browser would load the portal's
home some two hundred times more; the walk takes the portal's own pages, the pages left open
to everyone (sign-in, two-factor), and a sample of internal pages, each of which must end on the
portal's home."""

from django.urls import reverse

from accounts.models import User
from tests.e2e.pages import page_urls
from tests.e2e.walk import PHONE_390, seed_demo, walk_role, walked_enough

OPEN_TO_PARTNERS = ("/portal/", "/login/", "/two-factor/")
#: Internal pages walked as redirects: the rep's daily pages and a settings page.
REDIRECT_SAMPLE = ("home", "opportunities:list", "opportunities:board", "settings-index")


def partner_pages() -> list[tuple[str, str]]:
    return [
        (name, url)
        for name, url in page_urls()
        if url.startswith(OPEN_TO_PARTNERS) or name in REDIRECT_SAMPLE
    ]


def test_every_page_fits_and_speaks_chinese_for_the_partner_user(
    transactional_db, open_as, screenshot
):
    seed_demo()
    pages = partner_pages()
    sampled = [(name, url) for name, url in pages if name in REDIRECT_SAMPLE]
    assert len(sampled) == len(REDIRECT_SAMPLE), "the sample names pages of the URL map"
    walk = walk_role(open_as, screenshot, "partner.lin", {}, pages=pages)
    assert walked_enough(walk, 6), walk.skipped
    assert not walk.failures, walk.report()

    page = open_as(User.objects.get(username="partner.lin"), "zh-hans", PHONE_390)
    for name, url in sampled:
        page.goto(url, wait_until="load")
        assert page.url.endswith(reverse("portal:home")), (name, page.url)

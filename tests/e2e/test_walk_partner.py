"""Every page as the partner user (partner.lin, ADR 21), in English and Chinese, at 1440, 1280
and 390 px: the portal's pages fit a phone and speak Chinese; every internal page sends them
to the portal (so the walk sees the portal's home there)."""

from tests.e2e.walk import seed_demo, walk_role, walked_enough


def test_every_page_fits_and_speaks_chinese_for_the_partner_user(
    transactional_db, open_as, screenshot
):
    seed_demo()
    walk = walk_role(open_as, screenshot, "partner.lin", {})
    assert walked_enough(walk, 6), walk.skipped
    assert not walk.failures, walk.report()

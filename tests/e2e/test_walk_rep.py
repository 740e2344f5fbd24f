"""Every page as the sales rep (ar.chen), in English and Chinese, at 1440, 1280 (widest pages)
and 390 px: nothing wider than the screen, nothing cut, no English on a Chinese page. The walk
photographs the home page (tests/artifacts/e2e/)."""

from tests.e2e.walk import seed_demo, walk_role, walked_enough


def test_every_page_fits_and_speaks_chinese_for_the_rep(transactional_db, open_as, screenshot):
    seed_demo()
    walk = walk_role(open_as, screenshot, "ar.chen", {})
    assert walked_enough(walk, 100), walk.skipped
    assert not walk.failures, walk.report()

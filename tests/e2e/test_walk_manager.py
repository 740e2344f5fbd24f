"""Every page as the sales manager (mgr.zhao), in English and Chinese, at 1440, 1280 (widest
pages) and 390 px: nothing wider than the screen, nothing cut, no English on a Chinese page.
The walk photographs the manager's home, the board, an opportunity, a gate review and the
funnel (tests/artifacts/e2e/, the README gallery's source)."""

from tests.e2e.walk import seed_demo, walk_role, walked_enough

SHOTS = {
    "opportunities:board": "board",
    "opportunities:detail": "opportunity",
    "gate-detail": "gate-review",
    "keyaccounts:funnel": "funnel",
}


def test_every_page_fits_and_speaks_chinese_for_the_manager(transactional_db, open_as, screenshot):
    seed_demo()
    walk = walk_role(open_as, screenshot, "mgr.zhao", SHOTS)
    assert walked_enough(walk, 100), walk.skipped
    assert not walk.failures, walk.report()

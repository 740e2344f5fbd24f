"""Every page as finance (fin.sun), in English and Chinese, at 1440, 1280 (widest pages) and
390 px: nothing wider than the screen, nothing cut, no English on a Chinese page. The walk
photographs finance's home and the collections boards (tests/artifacts/e2e/)."""

from tests.e2e.walk import seed_demo, walk_role, walked_enough

SHOTS = {"keyaccounts:collections": "collections", "receivables:milestones": "milestones"}


def test_every_page_fits_and_speaks_chinese_for_finance(transactional_db, open_as, screenshot):
    seed_demo()
    walk = walk_role(open_as, screenshot, "fin.sun", SHOTS)
    assert walked_enough(walk, 60), walk.skipped
    assert not walk.failures, walk.report()

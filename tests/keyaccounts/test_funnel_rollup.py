"""The funnel rollup (written by keyaccounts.services.rollups, read by keyaccounts.selectors.
rollups): after a refresh by the beat task, the funnel read from it equals the live aggregate,
for each viewer's scope; reps and custom ranges stay live."""

import datetime as dt

import pytest
from django.conf import settings

from keyaccounts.models import FunnelRollup
from keyaccounts.selectors import dashboards
from keyaccounts.selectors.periods import Period, month
from keyaccounts.selectors.periods import year as whole_year
from keyaccounts.tasks import refresh_funnel_rollup

from .conftest import on_day
from .test_dashboards import book, year  # noqa: F401 (fixtures)

pytestmark = pytest.mark.django_db


def both(user, f):
    rolled, live = dashboards.funnel(user, f), dashboards.funnel(user, f, live=True)
    return rolled, live


def without_stamp(data):
    return {k: v for k, v in data.items() if k != "as_of"}


def test_the_rollup_is_refreshed_by_beat_and_equals_the_live_funnel(org, book, year):  # noqa: F811
    schedule = settings.CELERY_BEAT_SCHEDULE["keyaccounts-refresh-funnel-rollup"]
    assert schedule["task"] == "keyaccounts.tasks.refresh_funnel_rollup_dirty"
    nightly = settings.CELERY_BEAT_SCHEDULE["keyaccounts-rebuild-funnel-rollup"]
    assert nightly["task"] == "keyaccounts.tasks.refresh_funnel_rollup"
    f = dashboards.Filters(period=whole_year(year))
    with on_day(dt.date(year + 1, 1, 15)):
        before = dashboards.funnel(org.admin, f)
        assert before["as_of"] is None  # never refreshed: aggregated live
        assert refresh_funnel_rollup.delay().get() == FunnelRollup.objects.count() > 0
    with on_day(dt.date(year + 1, 1, 15)):
        for user, unit in (
            (org.admin, None),
            (org.admin, org.gd_carrier),
            (org.manager, None),
            (org.director, None),
            (org.other_region_manager, None),
        ):
            for period in (whole_year(year), month(year, 6), month(year, 8)):
                f = dashboards.Filters(period=period, unit=unit)
                rolled, live = both(user, f)
                assert rolled["as_of"] is not None and live["as_of"] is None
                assert without_stamp(rolled) == without_stamp(live), (user, unit, period)
        usd = dashboards.Filters(period=whole_year(year), currency="USD")
        rolled, live = both(org.manager, usd)
        assert without_stamp(rolled) == without_stamp(live)
        assert sum(s["count"] for s in rolled["stages"]) == 1


def test_the_rollup_keeps_each_viewer_to_their_scope(org, api, book, year):  # noqa: F811
    with on_day(dt.date(year + 1, 1, 15)):
        refresh_funnel_rollup()
        js = api(org.other_region_manager).get("/api/v1/dashboards/funnel/", {"year": year})
        gd = api(org.manager).get("/api/v1/dashboards/funnel/", {"year": year})
        company = api(org.admin).get("/api/v1/dashboards/funnel/", {"year": year})
        rep = api(org.rep).get("/api/v1/dashboards/funnel/", {"year": year}).json()
    assert js.json()["as_of"] is not None
    assert sum(s["count"] for s in js.json()["stages"]) == 1  # only the Jiangsu deal
    assert sum(s["count"] for s in gd.json()["stages"]) == 5  # the GD team's CNY deals
    assert sum(s["count"] for s in company.json()["stages"]) == 6
    assert rep["as_of"] is None and sum(s["count"] for s in rep["stages"]) == 5  # live


def test_a_range_of_days_is_aggregated_live_and_a_change_shows_after_the_next_refresh(
    org,
    book,  # noqa: F811
    year,  # noqa: F811
):
    odd = dashboards.Filters(period=Period(dt.date(year, 3, 2), dt.date(year, 6, 30)))
    with on_day(dt.date(year + 1, 1, 15)):
        refresh_funnel_rollup()
        assert dashboards.funnel(org.manager, odd)["as_of"] is None
        f = dashboards.Filters(period=whole_year(year))
        first = dashboards.funnel(org.manager, f)
        book["a"].__class__.objects.filter(pk=book["a"].pk).update(amount=1)
        assert dashboards.funnel(org.manager, f)["stages"] == first["stages"]  # as of refresh
        refresh_funnel_rollup()
        rolled, live = both(org.manager, f)
    assert rolled["stages"] != first["stages"]
    assert without_stamp(rolled) == without_stamp(live)

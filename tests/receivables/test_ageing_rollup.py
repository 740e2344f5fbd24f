"""The ageing rollup (receivables.rollups): after a refresh by the beat task, the ageing by org
unit read from it equals the live aggregate for every viewer who sees whole org subtrees, keeps
each to their scope, and is used only while it counts today's buckets and is fresh."""

import datetime as dt
import threading
import time
from decimal import Decimal

import pytest
from django.conf import settings
from django.db import connection, transaction
from django.test import override_settings
from django.utils import timezone

from core.models import RollupRefresh
from receivables.models import AgeingRollup
from receivables.services import receipt_record
from receivables.tasks import refresh_ageing_rollup

from .conftest import TODAY
from .test_reports import book  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db

URL = "/api/v1/receivables/ageing/"


def by_unit(api, user, **params):
    response = api(user).get(URL, {"group": "org_unit", **params})
    assert response.status_code == 200, response.json()
    return response.json()


def without_stamp(body):
    return {k: v for k, v in body.items() if k != "refreshed_at"}


def test_the_beat_task_counts_the_rollup_and_it_equals_the_live_report(org, api, book):  # noqa: F811
    schedule = settings.CELERY_BEAT_SCHEDULE["receivables-refresh-ageing-rollup"]
    assert schedule["task"] == "receivables.tasks.refresh_ageing_rollup"
    viewers = (org.admin, org.finance, org.director, org.manager, org.other_region_manager)
    live = {user.pk: by_unit(api, user) for user in viewers}
    assert all(body["refreshed_at"] is None for body in live.values())

    assert refresh_ageing_rollup.delay().get() == AgeingRollup.objects.count() == 3

    for user in viewers:
        rolled = by_unit(api, user)
        assert rolled["refreshed_at"] is not None, user
        assert without_stamp(rolled) == without_stamp(live[user.pk]), user
    company = by_unit(api, org.admin)
    assert {t["currency"]: t["total"] for t in company["totals"]} == {
        "CNY": "1749.00",
        "USD": "500.00",
    }


def test_each_viewer_stays_within_their_scope(org, api, book):  # noqa: F811
    refresh_ageing_rollup()
    south = by_unit(api, org.finance)
    assert {(r["label"], r["currency"]) for r in south["rows"]} == {
        ("GD carrier team", "CNY"),
        ("GD carrier team", "USD"),
    }
    east = by_unit(api, org.other_region_manager)
    assert [(r["label"], r["total"]) for r in east["rows"]] == [("JS carrier team", "999.00")]
    rep = by_unit(api, org.rep)
    assert rep["refreshed_at"] is None  # reps see their own and their team's: live
    assert {t["currency"]: t["total"] for t in rep["totals"]} == {"CNY": "750.00", "USD": "500.00"}


def test_a_receipt_shows_after_the_next_refresh(org, api, book):  # noqa: F811
    refresh_ageing_rollup()
    receipt_record(
        by=org.finance,
        contract=book["a"],
        amount=Decimal("100.00"),
        received_on=TODAY(),
        method="bank_transfer",
    )
    stale = by_unit(api, org.finance)
    assert {t["currency"]: t["total"] for t in stale["totals"]}["CNY"] == "750.00"
    refresh_ageing_rollup()
    fresh = by_unit(api, org.finance)
    assert {t["currency"]: t["total"] for t in fresh["totals"]}["CNY"] == "650.00"


def test_another_day_another_grouping_or_an_old_count_is_aggregated_live(org, api, book):  # noqa: F811
    refresh_ageing_rollup()
    AgeingRollup.objects.update(total=Decimal("1.00"))  # tell rolled-up figures apart
    assert by_unit(api, org.finance)["totals"][0]["total"] == "1.00"

    later = (TODAY() + dt.timedelta(days=1)).isoformat()
    assert by_unit(api, org.finance, as_of=later)["refreshed_at"] is None
    by_customer = api(org.finance).get(URL, {"group": "customer"}).json()
    assert by_customer["refreshed_at"] is None
    with override_settings(AGEING_ROLLUP_MAX_AGE=60):
        last = RollupRefresh.objects.filter(rollup="ageing")
        last.update(refreshed_at=timezone.now() - dt.timedelta(minutes=2))
        old = by_unit(api, org.finance)
    assert old["refreshed_at"] is None and old["totals"][0]["total"] == "750.00"


def test_the_reports_page_says_when_the_figures_were_counted(org, client, book):  # noqa: F811
    client.force_login(org.finance)
    assert "ageing-refreshed" not in client.get("/collections/reports/?group=org_unit").text
    refresh_ageing_rollup()
    page = client.get("/collections/reports/?group=org_unit").text
    assert 'data-testid="ageing-refreshed"' in page and "GD carrier team" in page


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="table locks need PostgreSQL")
def test_overlapping_refreshes_run_one_after_the_other(org, book):  # noqa: F811
    """A backlog of beat tasks on several workers: the second refresh waits for the first to
    commit, then replaces its rows (without the lock it would insert beside them)."""
    first_wrote, errors = threading.Event(), []

    def first():
        try:
            with transaction.atomic():
                refresh_ageing_rollup()
                first_wrote.set()
                time.sleep(0.5)  # still uncommitted while the second one starts
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)
        finally:
            connection.close()

    def second():
        try:
            first_wrote.wait(10)
            refresh_ageing_rollup()
        except Exception as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert AgeingRollup.objects.count() == 3

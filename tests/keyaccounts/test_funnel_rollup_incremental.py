"""The funnel rollup, refreshed incrementally (issue 24.2, ADR 33): database triggers mark the
keys (org unit × currency × product line) of every opportunity or gate review written, however
it was written, and beat's refresh recounts only those keys (and those whose deals crossed the
30-day line meanwhile). Random changes, then the incremental refresh equals a full rebuild at
the same moment, row for row (ages carried to that moment), on SQLite and PostgreSQL."""

import datetime as dt
import random
from decimal import Decimal

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command

from core.models import GateReview, RollupDirty, RollupRefresh
from keyaccounts.models import FunnelRollup
from keyaccounts.selectors import dashboards
from keyaccounts.selectors.periods import year as whole_year
from keyaccounts.tasks import refresh_funnel_rollup, refresh_funnel_rollup_dirty
from opportunities.choices import OPEN_STAGES
from opportunities.models import Opportunity
from tests.factories import OpportunityFactory

from .conftest import on_day
from .test_dashboards import book, year  # noqa: F401 (fixtures)

pytestmark = pytest.mark.django_db(transaction=False)

STATES = [*OPEN_STAGES, "won", "lost"]


def rows(now):
    """The rollup's rows as a multiset of tuples, each cohort age carried forward to `now`
    (what the reader does with a row refreshed earlier)."""
    out = []
    for r in FunnelRollup.objects.all():
        duration = r.duration
        if r.kind == "cohort" and duration is not None:
            duration = duration + (now - r.refreshed_at) * r.count
        out.append(
            (
                r.kind,
                r.org_unit_id,
                r.currency,
                r.product_line,
                r.month,
                r.state,
                r.reached,
                r.count,
                r.amount,
                duration,
                r.oldest,
                r.stale,
            )
        )
    return sorted(out, key=repr)


def change(rnd: random.Random, org, moment) -> None:
    """One random write, through the paths the code uses (a model save, a queryset update, a
    new record), to a random opportunity."""
    deals = list(Opportunity.objects.order_by("pk"))
    deal = rnd.choice(deals)
    units = [org.gd_carrier, org.gd, org.js]
    kind = rnd.randrange(8)
    same = Opportunity.objects.filter(pk=deal.pk)
    if kind == 0:
        same.update(amount=Decimal(rnd.randrange(1, 9_000_000)))
    elif kind == 1:
        state = rnd.choice(STATES)
        closed = moment if state in ("won", "lost") else None
        same.update(state=state, state_changed_at=moment, closed_at=closed)
    elif kind == 2:
        same.update(org_unit=rnd.choice(units))
    elif kind == 3:
        same.update(currency=rnd.choice(["CNY", "USD"]))
    elif kind == 4:
        deal.product_line = rnd.choice(["", "5G RAN", "Core"])
        deal.save(update_fields=["product_line"])
    elif kind == 5:
        OpportunityFactory(
            owner=rnd.choice([org.rep, org.teammate, org.other_region_rep]),
            state=rnd.choice(STATES[:4]),
            product_line=rnd.choice(["", "Core"]),
        )
    elif kind == 6:
        GateReview.objects.create(
            subject_type=ContentType.objects.get_for_model(Opportunity),
            subject_id=deal.pk,
            kind="atb",
            state=rnd.choice(["go", "stop"]),
            title="review",
            org_unit=deal.org_unit,
            team=deal.team,
            authority_unit=deal.org_unit,
            opened_by=org.rep,
            escalated=rnd.random() < 0.5,
        )
    else:
        same.update(state_changed_at=moment - dt.timedelta(days=rnd.randrange(0, 60)))


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_incremental_refresh_equals_a_full_rebuild(org, book, year, seed):  # noqa: F811
    rnd = random.Random(seed)
    day = dt.date(year + 1, 1, 15)
    with on_day(day):
        assert refresh_funnel_rollup_dirty() > 0  # never refreshed: a full rebuild
        assert not RollupDirty.objects.exists()
    for step in range(4):
        day += dt.timedelta(days=rnd.choice([0, 3, 20, 40]))
        with on_day(day, hour=10 + step) as moment:
            for _i in range(rnd.randrange(1, 6)):
                change(rnd, org, moment)
            assert RollupDirty.objects.filter(rollup="funnel").exists()
            refresh_funnel_rollup_dirty.delay().get()
            assert not RollupDirty.objects.exists()
            incremental = rows(moment)
            stamp = RollupRefresh.objects.get(rollup="funnel").refreshed_at
            assert stamp == moment
            f = dashboards.Filters(period=whole_year(year))
            read_incremental = dashboards.funnel(org.manager, f)
            refresh_funnel_rollup()
            assert rows(moment) == incremental, (seed, step)
            assert dashboards.funnel(org.manager, f) == read_incremental


def test_a_change_marks_only_its_keys_and_the_refresh_recounts_only_them(org, book, year):  # noqa: F811
    with on_day(dt.date(year + 1, 1, 15)):
        refresh_funnel_rollup()
        untouched = set(
            FunnelRollup.objects.exclude(org_unit=org.js_carrier).values_list("pk", flat=True)
        )
        deal = Opportunity.objects.filter(org_unit=org.js_carrier).first()
        Opportunity.objects.filter(pk=deal.pk).update(amount=Decimal("1"))
        marked = list(RollupDirty.objects.values_list("org_unit_id", "currency", "product_line"))
        assert marked == [(org.js_carrier.pk, deal.currency, deal.product_line)]
        assert refresh_funnel_rollup_dirty() == 1
        kept = set(
            FunnelRollup.objects.exclude(org_unit=org.js_carrier).values_list("pk", flat=True)
        )
        assert kept == untouched  # the other keys' rows were not rewritten
        assert FunnelRollup.objects.get(
            kind="cohort", org_unit=org.js_carrier, state=deal.state
        ).amount == Decimal("1")


def test_the_command_rebuilds_whole_or_recounts_dirty_keys(org, book, capsys):  # noqa: F811
    call_command("funnel_rollup", "--full")
    assert "rows rebuilt" in capsys.readouterr().out
    Opportunity.objects.update(amount=Decimal("2"))
    call_command("funnel_rollup")
    assert "keys recounted" in capsys.readouterr().out
    assert set(FunnelRollup.objects.filter(kind="cohort").values_list("amount", flat=True)) <= {
        Decimal("2") * n for n in range(1, 20)
    }

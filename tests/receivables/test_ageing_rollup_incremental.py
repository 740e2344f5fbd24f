"""The ageing rollup, refreshed incrementally (issue 24.2, ADR 33): triggers mark the (org unit,
currency) keys of every milestone written and of a contract moved to another unit; beat's
refresh recounts only those keys on the same day and everything on a new one. Random changes,
then the incremental refresh equals a full rebuild, row for row, on SQLite and PostgreSQL."""

import random
from decimal import Decimal

import pytest

from contracts.models import Contract
from core.models import RollupDirty
from receivables.models import AgeingRollup, PaymentMilestone
from receivables.rollups import refresh
from receivables.tasks import refresh_ageing_rollup

from .test_reports import book  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db


def rows():
    fields = ("org_unit_id", "currency", "count", "not_due", "d1_30", "d31_60", "d61_90")
    return sorted(AgeingRollup.objects.values_list(*fields, "d90_plus", "total", "as_of"))


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_incremental_refresh_equals_a_full_rebuild(org, book, seed):  # noqa: F811
    rnd = random.Random(seed)
    refresh_ageing_rollup()
    units = [org.gd_carrier, org.gd_gov, org.js_carrier]
    for _round in range(3):
        for _i in range(rnd.randrange(1, 5)):
            milestone = rnd.choice(list(PaymentMilestone.objects.order_by("pk")))
            kind = rnd.randrange(3)
            if kind == 0:
                PaymentMilestone.objects.filter(pk=milestone.pk).update(
                    paid_amount=min(milestone.amount, Decimal(rnd.randrange(0, 500)))
                )
            elif kind == 1:
                Contract.objects.filter(pk=milestone.contract_id).update(org_unit=rnd.choice(units))
            else:
                PaymentMilestone.objects.filter(pk=milestone.pk).update(
                    state=rnd.choice(["due", "invoiced", "paid"])
                )
        assert RollupDirty.objects.filter(rollup="ageing").exists()
        refresh_ageing_rollup.delay().get()
        assert not RollupDirty.objects.filter(rollup="ageing").exists()
        incremental = rows()
        refresh()
        assert rows() == incremental

"""Credit races on PostgreSQL (issue 21.6, ADR 23): one deal credited by twenty workers at
once (the beat job, the after-commit listeners, a manual run) is credited exactly once; and a
split approved while workers credit re-credits once, the parts summing to the whole."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection

from incentives.models import CreditEvent, CreditLine
from incentives.services import credit_contract, credit_pending
from tests.incentives.conftest import deal  # noqa: F401 (a fixture)
from tests.receivables.conftest import make_contract  # noqa: F401 (a fixture)
from tests.trust.racing import race, stampede

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL"),
]


def _uncredited(contract):
    """The signing's after-commit listener credited the contract already: start again."""
    CreditLine.objects.all().delete()
    CreditEvent.objects.all().delete()
    return contract


def test_one_deal_credited_by_twenty_workers_at_once_is_credited_once(deal):  # noqa: F811
    _uncredited(deal)
    results = stampede(lambda: credit_contract(deal.pk))
    assert sum(results) == 1
    booking = CreditEvent.objects.filter(kind="booking", source_id=deal.pk)
    assert list(booking.values_list("generation", flat=True)) == [1]
    lines = CreditLine.objects.filter(kind="booking")
    assert lines.count() == 3
    assert sum(line.amount for line in lines) == deal.amount


def test_the_job_and_single_credits_at_once_write_each_event_once(deal):  # noqa: F811
    _uncredited(deal)
    race(*([credit_pending] * 5), *([lambda: credit_contract(deal.pk)] * 5))
    assert CreditEvent.objects.filter(kind="booking").count() == 1
    assert sum(line.amount for line in CreditLine.objects.filter(kind="booking")) == Decimal(
        deal.amount
    )

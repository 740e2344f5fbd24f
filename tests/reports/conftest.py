from __future__ import annotations

from decimal import Decimal

import pytest
from django.utils import timezone

from opportunities.models import Opportunity
from tests.factories import OpportunityFactory

URL = "/api/v1/reports/"


def deal(owner, *, state="identified", amount="100.00", currency="CNY", line="5G", **extra):
    """A deal in `owner`'s unit, put in its stage directly (the reports read, never move)."""
    opportunity = OpportunityFactory(
        owner=owner, amount=Decimal(amount), currency=currency, product_line=line, **extra
    )
    Opportunity.objects.filter(pk=opportunity.pk).update(state=state)
    return opportunity


@pytest.fixture
def deals(org):
    """Deals across two teams of one region and another region, two currencies."""
    made = [
        deal(org.rep, state="identified", amount="100.00", line="5G"),
        deal(org.rep, state="identified", amount="50.00", currency="USD", line="5G"),
        deal(org.rep, state="bidding", amount="300.00", line="IoT"),
        deal(org.teammate, state="won", amount="1000.00", line="IoT"),
        deal(org.other_team_rep, state="won", amount="7.00", line="5G"),
        deal(org.other_region_rep, state="bidding", amount="9999.00", line="5G"),
    ]
    closed = made[3]
    Opportunity.objects.filter(pk=closed.pk).update(
        closed_at=closed.created_at + timezone.timedelta(days=10)
    )
    return made

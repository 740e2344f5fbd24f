"""A won deal run by the GD carrier team's triangle (rep AR, sr SR, fr FR), carried to a
signed contract with a payment plan."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.factories import OpportunityFactory, team
from tests.receivables.conftest import make_contract  # noqa: F401 (a fixture)


@pytest.fixture
def deal(org, make_contract):  # noqa: F811
    opportunity = OpportunityFactory(
        owner=org.rep, team=team(ar=org.rep, sr=org.sr, fr=org.fr), amount=Decimal("1000000")
    )
    contract = make_contract(
        amount="1000000.00", opportunity=opportunity, team=team(ar=org.rep, sr=org.sr, fr=org.fr)
    )
    return contract

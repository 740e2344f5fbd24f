"""Fixtures of the partner portal tests (ADR 21): two admitted partners of the carrier team's
rep, each with a partner user, registrations, an opportunity, a quote and a contract."""

from __future__ import annotations

import pytest

from partners.services import member_create
from tests.partners.conftest import decide, make_partner, pdf  # noqa: F401

PASSWORD = "Portal-pass-2026!"


def make_member(org, partner, username):
    return member_create(
        by=org.rep, partner=partner, data={"username": username}, password=PASSWORD
    ).user


@pytest.fixture
def partner(org):
    return make_partner(org, name="Yunlian Tech")


@pytest.fixture
def other_partner(org):
    return make_partner(org, name="Xinda Networks", tier="general_distributor")


@pytest.fixture
def lin(org, partner):
    return make_member(org, partner, "lin")


@pytest.fixture
def xu(org, other_partner):
    return make_member(org, other_partner, "xu")

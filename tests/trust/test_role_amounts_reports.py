"""Figures of money (reports, dashboards, forecasts, ageing) sum only the records whose amounts
the reader sees (issue 20.1's "see amounts", `policy.restrict_figures`): a configured role that
lets someone read other teams' deals without their amounts keeps those deals out of every
total, so no sum reveals what the rows hide; granting `<area>.see_amounts` brings them in. The
built-in roles' figures do not change."""

from __future__ import annotations

from decimal import Decimal

import pytest

from accounts.services import role_assign, role_create
from core.choices import Role, RoleScope
from tests.factories import OpportunityFactory, UserFactory

pytestmark = pytest.mark.django_db


def _grant(org, user, code, permissions):
    role = role_create(
        by=org.admin, data={"code": code, "name_en": code.title(), "permissions": permissions}
    )
    role_assign(by=org.admin, user=user, role=role, org_unit=org.hq, scope=RoleScope.COMPANY)
    user.refresh_from_db()


@pytest.fixture
def viewer(org):
    user = UserFactory(username="viewer", role=Role.SALES_REP, org_unit=org.js_carrier)
    _grant(org, user, "reader", ["opportunities.view"])
    return user


@pytest.fixture
def deals(org, viewer):
    theirs = OpportunityFactory(owner=org.rep, name="Guangdong 5G core", amount=Decimal("3000000"))
    own = OpportunityFactory(owner=viewer, name="Jiangsu metro", amount=Decimal("1000000"))
    return theirs, own


def _forecast_total(api, user) -> Decimal:
    rows = api(user).get("/api/v1/opportunities/forecast/").json()
    return sum((Decimal(str(r["amount"])) for r in rows), Decimal(0))


def test_the_forecast_sums_only_the_deals_whose_amounts_the_reader_sees(org, api, viewer, deals):
    assert _forecast_total(api, viewer) == Decimal("1000000")
    _grant(org, viewer, "amounts", ["opportunities.see_amounts"])
    assert _forecast_total(api, viewer) == Decimal("4000000")


def _funnel_identified(api, user) -> tuple[int, Decimal]:
    stages = api(user).get("/api/v1/dashboards/funnel/").json()["stages"]
    row = next(s for s in stages if s["stage"] == "identified")
    return row["count"], Decimal(row["amount"])


def test_the_funnel_counts_and_sums_only_what_the_reader_sees_the_amounts_of(
    org, api, viewer, deals
):
    assert _funnel_identified(api, viewer) == (1, Decimal("1000000"))
    _grant(org, viewer, "amounts", ["opportunities.see_amounts"])
    assert _funnel_identified(api, viewer) == (2, Decimal("4000000"))


def test_the_built_in_roles_figures_are_unchanged(org, api, deals):
    assert _funnel_identified(api, org.director) == (1, Decimal("3000000"))
    assert _forecast_total(api, org.director) == Decimal("3000000")
    assert _forecast_total(api, org.admin) == Decimal("4000000")


def test_the_board_hides_the_cards_amounts_and_leaves_them_out_of_the_totals(
    org, api, client, viewer, deals
):
    theirs, own = deals
    columns = api(viewer).get("/api/v1/opportunities/board/").json()
    identified = next(c for c in columns if c["stage"] == "identified")
    cards = {c["id"]: c for c in identified["cards"]}
    assert cards[theirs.pk]["amount"] is None and cards[own.pk]["amount"] == "1000000.00"
    assert identified["count"] == 2
    assert [t["amount"] for t in identified["totals"]] == ["1000000.00"]

    client.force_login(viewer)
    page = client.get("/opportunities/board/").content.decode()
    assert "3,000,000.00" not in page and 'title="Amount hidden">—' in page

    _grant(org, viewer, "amounts", ["opportunities.see_amounts"])
    columns = api(viewer).get("/api/v1/opportunities/board/").json()
    identified = next(c for c in columns if c["stage"] == "identified")
    assert [t["amount"] for t in identified["totals"]] == ["4000000.00"]


def test_a_quote_of_a_deal_shown_without_amounts_reads_dash_for_every_amount(
    org, api, client, viewer, deals
):
    from tests.opportunities.conftest import create_quote, line
    from tests.opportunities.conftest import products as _products

    theirs, _own = deals
    router = _products.__wrapped__(None)["router"]
    _grant(org, viewer, "quote-reader", ["quotes.view"])
    quote = create_quote(api, org.rep, theirs, [line(router, "3")]).json()
    assert "id" in quote, quote
    client.force_login(viewer)
    page = client.get(f"/opportunities/quotes/{quote['id']}/").content.decode()
    assert "300,000.00" not in page and "—" in page
    detail = api(viewer).get(f"/api/v1/quotes/{quote['id']}/").json()
    assert detail["total"] is None and all(row["net_amount"] is None for row in detail["lines"])

    _grant(org, viewer, "amounts", ["quotes.see_amounts"])
    assert "300,000.00" in client.get(f"/opportunities/quotes/{quote['id']}/").content.decode()

"""Rebates (issue 21.5): schemes whose tiers neither overlap nor leave gaps (400s naming the
tiers), an accrual ledger fed once per source event with tiers retroactive within a period,
statements closed by the beat job exactly once, settled by finance, frozen afterwards."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import IntegrityError
from django.utils import timezone

from channels.models import RebateAccrual, RebateScheme, RebateStatement, RebateTier
from channels.tasks import rebate_statements_close
from core import hooks
from core.models import Notification

from .conftest import SCHEMES, STATEMENTS, make_agreement, post_scheme, this_year

pytestmark = pytest.mark.django_db


# --- schemes ---------------------------------------------------------------------------------


def test_overlapping_tiers_are_a_400_naming_them(org, api, agreement):
    tiers = [
        {"lower": "0", "upper": "1000000", "rate_pct": "2"},
        {"lower": "800000", "upper": None, "rate_pct": "3"},
    ]
    response = post_scheme(api, org.manager, agreement, tiers=tiers)
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "rebate_tiers_conflict"
    assert body["fields"]["tiers"] == ["Tiers 1 [0, 1000000) and 2 [800000, ∞) overlap."]
    assert not RebateScheme.objects.exists()


def test_gapped_tiers_and_an_open_end_before_the_last_are_400s(org, api, agreement):
    gap = [
        {"lower": "0", "upper": "1000000", "rate_pct": "2"},
        {"lower": "1200000", "upper": None, "rate_pct": "3"},
    ]
    response = post_scheme(api, org.manager, agreement, tiers=gap)
    assert response.status_code == 400
    assert "leave a gap" in response.json()["fields"]["tiers"][0]
    assert "1 [0, 1000000)" in response.json()["message"]
    open_first = [
        {"lower": "0", "upper": None, "rate_pct": "2"},
        {"lower": "1000000", "upper": None, "fixed_amount": "5000"},
    ]
    response = post_scheme(api, org.manager, agreement, tiers=open_first)
    assert response.json()["code"] == "rebate_tiers_conflict"
    assert "overlap" in response.json()["message"]
    both = [{"lower": "0", "upper": None, "rate_pct": "2", "fixed_amount": "10"}]
    response = post_scheme(api, org.manager, agreement, tiers=both)
    assert response.status_code == 400 and "not both" in response.json()["message"]
    assert not RebateScheme.objects.exists()


def test_the_database_refuses_a_tier_with_both_a_rate_and_an_amount(org, api, scheme):
    with pytest.raises(IntegrityError):
        RebateTier.objects.create(
            scheme_id=scheme["id"],
            lower=Decimal("5000000"),
            rate_pct=Decimal("1"),
            fixed_amount=Decimal("1"),
        )


def test_one_scheme_per_agreement_attached_by_a_manager(org, api, agreement, scheme):
    assert scheme["tiers"][1] == {
        "lower": "1000000.00",
        "upper": None,
        "rate_pct": "3.00",
        "fixed_amount": None,
    }
    assert scheme["partner"] == agreement.partner_id and scheme["year"] == this_year()
    again = post_scheme(api, org.manager, agreement)
    assert again.status_code == 400 and again.json()["code"] == "rebate_scheme_exists"


def test_finance_and_other_regions_keep_no_schemes(org, api, agreement):
    assert post_scheme(api, org.finance, agreement).status_code in (400, 403)
    outside = post_scheme(api, org.other_region_manager, agreement)
    assert outside.status_code == 400  # an agreement they cannot see
    assert not RebateScheme.objects.exists()


def test_an_accrued_scheme_keeps_its_tiers(org, api, partner, scheme, sell):
    sell(partner, "100000")
    url = f"{SCHEMES}{scheme['id']}/"
    changed = api(org.manager).patch(
        url, {"tiers": [{"lower": "0", "rate_pct": "9"}]}, format="json"
    )
    assert changed.status_code == 409 and changed.json()["code"] == "rebate_scheme_in_use"
    renamed = api(org.manager).patch(url, {"name": "Q volume"}, format="json")
    assert renamed.status_code == 200 and renamed.json()["name"] == "Q volume"


# --- accrual ---------------------------------------------------------------------------------


def test_a_booking_accrues_once_and_tiers_apply_retroactively(org, api, partner, scheme, sell):
    first = sell(partner, "600000")
    statement = RebateStatement.objects.get()
    assert statement.amount == Decimal("12000.00")  # 2% of 600,000
    sell(partner, "500000")  # 1,100,000 crosses into 3%, for the whole quarter
    statement.refresh_from_db()
    assert statement.volume == Decimal("1100000.00")
    assert statement.rebate == statement.amount == Decimal("33000.00")
    assert [line.amount for line in RebateAccrual.objects.order_by("id")] == [
        Decimal("12000.00"),
        Decimal("21000.00"),
    ]
    hooks.emit("contract.signed", contract=first, by=org.rep)  # the same event again
    assert RebateAccrual.objects.count() == 2
    statement.refresh_from_db()
    assert statement.amount == Decimal("33000.00")


def test_sales_without_partner_scheme_basis_or_currency_accrue_nothing(org, partner, sell):
    sell(partner, "100000")  # no scheme yet
    assert not RebateAccrual.objects.exists()


def test_a_fixed_amount_tier_and_the_other_currency(org, api, partner, agreement, sell):
    tiers = [
        {"lower": "0", "upper": "500000", "rate_pct": "0"},
        {"lower": "500000", "upper": None, "fixed_amount": "8000"},
    ]
    assert post_scheme(api, org.manager, agreement, tiers=tiers, period="year").status_code == 201
    sell(partner, "300000")
    sell(partner, "300000", currency="USD")  # another currency: not this scheme's money
    sell(partner, "300000")
    statement = RebateStatement.objects.get()
    assert statement.period_start == dt.date(this_year(), 1, 1)
    assert statement.volume == Decimal("600000.00") and statement.amount == Decimal("8000.00")


def test_growth_is_read_against_the_same_period_last_year(org, api, partner, agreement, sell):
    today = timezone.localdate()
    sell(partner, "1000000", on=today.replace(year=today.year - 1, day=1))
    tiers = [
        {"lower": "0", "upper": "20", "rate_pct": "1"},
        {"lower": "20", "upper": None, "rate_pct": "5"},
    ]
    created = post_scheme(api, org.manager, agreement, tiers=tiers, measure="growth", period="year")
    assert created.status_code == 201
    sell(partner, "1100000")  # +10%: 1%
    statement = RebateStatement.objects.get()
    assert statement.base_volume == Decimal("1000000.00")
    assert statement.amount == Decimal("11000.00")
    sell(partner, "200000")  # 1,300,000: +30%, 5% of all of it
    statement.refresh_from_db()
    assert statement.amount == statement.rebate == Decimal("65000.00")


def test_cash_received_accrues_and_a_reversal_takes_it_back(org, api, partner, agreement, sell):
    from receivables.services import receipt_record, receipt_reverse

    assert post_scheme(api, org.manager, agreement, basis="cash").status_code == 201
    contract = sell(partner, "2000000")
    assert not RebateAccrual.objects.exists()  # booked, not cash
    receipt = receipt_record(
        by=org.finance,
        contract=contract,
        amount=Decimal("1200000"),
        received_on=timezone.localdate(),
        method="bank_transfer",
    )
    statement = RebateStatement.objects.get()
    assert statement.amount == Decimal("36000.00")  # 3% of 1,200,000
    receipt_reverse(receipt=receipt, by=org.finance, reason="bounced")
    statement.refresh_from_db()
    assert statement.volume == Decimal("0.00") and statement.amount == Decimal("0.00")
    assert RebateAccrual.objects.count() == 2


# --- statements ------------------------------------------------------------------------------


@pytest.fixture
def last_year_scheme(org, api, partner):
    agreement = make_agreement(org, partner, this_year() - 1)
    response = post_scheme(api, org.manager, agreement)
    assert response.status_code == 201, response.json()
    return response.json()


def test_the_beat_job_builds_and_issues_ended_periods_exactly_once(
    org, partner, last_year_scheme, sell
):
    sell(partner, "400000", on=dt.date(this_year() - 1, 5, 10))
    assert rebate_statements_close() == 4  # every quarter of last year, one with sales
    assert rebate_statements_close() == 0
    statements = RebateStatement.objects.filter(period_start__year=this_year() - 1)
    assert sorted(s.state for s in statements) == ["issued"] * 4
    q2 = statements.get(period_start=dt.date(this_year() - 1, 4, 1))
    assert q2.amount == Decimal("8000.00") and q2.issued_at is not None
    told = Notification.objects.filter(kind="rebate.statement_issued", recipient=org.rep)
    assert told.count() == 4


def test_finance_settles_an_issued_statement_and_it_is_frozen(
    org, api, partner, last_year_scheme, sell
):
    sell(partner, "400000", on=dt.date(this_year() - 1, 5, 10))
    q2 = RebateStatement.objects.get()
    url = f"{STATEMENTS}{q2.pk}/settle/"
    body = {"method": "credit_note", "reference": "CN-2025-018"}
    assert api(org.finance).post(url, body, format="json").status_code == 409  # still a draft
    rebate_statements_close()
    assert api(org.rep).post(url, body, format="json").status_code == 403
    bad = api(org.finance).post(url, {"method": "cheque", "reference": ""}, format="json")
    assert bad.status_code == 400
    settled = api(org.finance).post(url, body, format="json")
    assert settled.status_code == 200, settled.json()
    assert settled.json()["state"] == "settled"
    assert settled.json()["settlement_reference"] == "CN-2025-018"
    # A late sale of that quarter: the period's rebate moves, the settled statement does not;
    # the difference is an adjustment on the partner's next draft statement.
    late = sell(partner, "700000", on=dt.date(this_year() - 1, 6, 30))
    q2.refresh_from_db()
    assert q2.amount == Decimal("8000.00") and q2.state == "settled"
    assert q2.volume == Decimal("1100000.00") and q2.rebate == Decimal("33000.00")
    line = RebateAccrual.objects.get(source=f"contract:{late.pk}")
    assert line.period_id == q2.pk and line.is_adjustment
    assert line.statement.state == "draft" and line.statement.period_start > q2.period_start
    assert line.statement.amount == Decimal("25000.00")
    detail = api(org.rep).get(f"{STATEMENTS}{line.statement_id}/").json()
    assert detail["lines"][0]["is_adjustment"] is True


def test_the_settlement_reads_on_the_timeline_in_chinese(org, api, partner, last_year_scheme, sell):
    sell(partner, "400000", on=dt.date(this_year() - 1, 5, 10))
    rebate_statements_close()
    q2 = RebateStatement.objects.get(amount__gt=0)
    api(org.finance).post(
        f"{STATEMENTS}{q2.pk}/settle/", {"method": "payment", "reference": "PAY-77"}, format="json"
    )
    events = api(org.rep).get(f"{STATEMENTS}{q2.pk}/timeline/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    text = " ".join(str(e) for e in events.json())
    assert "PAY-77" in text and "付款" in text


def test_statements_are_scoped_to_the_partner(org, api, partner, scheme, sell):
    sell(partner, "100000")
    statement = RebateStatement.objects.get()
    for user in (org.rep, org.manager, org.finance, org.admin):
        assert api(user).get(f"{STATEMENTS}{statement.pk}/").status_code == 200, user
    for user in (org.other_team_rep, org.other_region_manager):
        assert api(user).get(f"{STATEMENTS}{statement.pk}/").status_code == 404, user
        assert api(user).get(STATEMENTS).json()["results"] == []


def test_the_partner_portal_selector_shows_issued_statements(org, partner, last_year_scheme, sell):
    from channels.selectors import partner_rebate_statements

    sell(partner, "400000", on=dt.date(this_year() - 1, 5, 10))
    assert list(partner_rebate_statements(partner)) == []  # drafts stay ours
    rebate_statements_close()
    assert partner_rebate_statements(partner).count() == 4


def test_an_amended_or_terminated_booking_moves_the_rebate_with_it(org, api, partner, scheme, sell):
    """Amended down from 1,200,000 (3 %) to 800,000 (2 %), then terminated: the ledger follows
    each change once, and the statement ends at nothing."""
    from types import SimpleNamespace

    from contracts.models import Contract
    from contracts.services import contract_transition

    contract = sell(partner, "1200000")
    statement = RebateStatement.objects.get()
    assert statement.amount == Decimal("36000.00")
    Contract.objects.filter(pk=contract.pk).update(amount=Decimal("800000"))  # the amendment
    contract.refresh_from_db()
    amendment = SimpleNamespace(
        version=2, amount_before=Decimal("1200000"), amount_after=Decimal("800000"), summary=""
    )
    for _twice in range(2):
        hooks.emit("contract.changed", contract=contract, amendment=amendment, by=org.rep)
    statement.refresh_from_db()
    assert statement.volume == Decimal("800000.00") and statement.amount == Decimal("16000.00")

    contract_transition(contract=contract, name="terminate", by=org.manager, reason="Cancelled")
    statement.refresh_from_db()
    assert statement.volume == Decimal("0.00") and statement.amount == Decimal("0.00")
    kinds = list(RebateAccrual.objects.order_by("id").values_list("kind", "amount"))
    assert kinds == [
        ("booking", Decimal("36000.00")),
        ("adjustment", Decimal("-20000.00")),
        ("adjustment", Decimal("-16000.00")),
    ]

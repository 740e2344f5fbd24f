"""Contract evaluation (合同评价): signed vs actual margin, schedule kept, acceptance, days to
collect (from collections, when known), a score and the lessons learnt; reportable across
contracts by org unit and period."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from contracts.models import Contract, ContractEvaluation
from core import hooks
from tests.factories import ContractFactory, team

pytestmark = pytest.mark.django_db


@pytest.fixture
def closed(org, drive, contract):
    """Delivered one day late at arrival and at acceptance, then closed."""
    drive.deliver(contract)
    drive.close(contract)
    return contract


def evaluate(drive, user, contract, expect=201, **data):
    body = {"contract": contract.pk, "acceptance_rating": "smooth", "lessons_learnt": "x", **data}
    return drive.post(user, "/api/v1/contract-evaluations/", body, expect=expect)


def test_the_evaluation_records_figures_and_a_score(org, drive, closed, monkeypatch):
    monkeypatch.setitem(
        hooks._facts,
        "contracts.Contract",
        [lambda contract: {"days_to_collect": 120, "collected_pct": "100.00"}],
    )
    body = evaluate(
        drive,
        org.fr,
        closed,
        actual_cost="760000.00",
        lessons_learnt="Book the acceptance committee early.",
    )
    assert body["signed_amount"] == body["final_amount"] == "1000000.00"
    assert (body["signed_margin_pct"], body["actual_margin_pct"]) == ("30.00", "24.00")
    assert body["margin_variance_pct"] == "-6.00"
    assert (body["milestones_planned"], body["milestones_on_time"]) == (2, 0)
    assert body["schedule_kept_pct"] == "0.00" and body["average_slip_days"] == "1.0"
    assert body["acceptance_slip_days"] == 1
    assert (body["days_to_collect"], body["collected_pct"]) == (120, "100.00")
    # margin 0.4×35 + schedule 0×25 + acceptance 1×20 + collection (1 × 330/360)×20
    assert body["score"] == "52.33"
    assert body["lessons_learnt"] == "Book the acceptance committee early."
    assert Contract.objects.get(pk=closed.pk).state == "evaluated"


def test_what_collections_do_not_know_is_left_out_of_the_score(org, drive, closed, monkeypatch):
    monkeypatch.setitem(
        hooks._facts, "contracts.Contract", [lambda contract: {"collected_pct": "n/a"}]
    )
    body = evaluate(drive, org.fr, closed, actual_cost="760000.00")
    assert body["days_to_collect"] is None and body["collected_pct"] is None
    assert body["score"] == "42.50"  # (14 + 0 + 20) / 80


def test_the_signed_margin_is_the_one_before_any_amendment(org, drive, contract):
    drive.sign_and_accept(contract)
    change = drive.post(
        org.rep,
        "/api/v1/change-requests/",
        {
            "contract": contract.pk,
            "title": "More",
            "description": "More",
            "new_amount": "1200000.00",
            "cost_impact": "100000.00",
        },
        expect=201,
    )
    taken = drive.post(org.fr, f"/api/v1/change-requests/{change['id']}/transitions/take_up/")
    drive.assess_all(taken["review"], "change")
    drive.decide(org.director, taken["review"])
    arrival = drive.milestone(contract, "arrival", timezone.localdate())
    acceptance = drive.milestone(contract, "acceptance", timezone.localdate())
    drive.transition(org.fr, contract, "start_delivery")
    drive.reach(arrival["id"])
    drive.reach(acceptance["id"])
    drive.transition(org.fr, contract, "deliver")
    drive.close(contract)
    body = evaluate(drive, org.fr, contract, actual_cost="840000.00")
    assert body["signed_amount"] == "1000000.00" and body["final_amount"] == "1200000.00"
    assert body["signed_margin_pct"] == "30.00" and body["actual_margin_pct"] == "30.00"
    assert body["schedule_kept_pct"] == "100.00" and body["amendments"] == 1


def test_only_a_closed_contract_is_evaluated_once_with_lessons(org, drive, closed):
    bad = evaluate(drive, org.fr, closed, acceptance_rating="meh", expect=400)
    assert list(bad["fields"]) == ["acceptance_rating"]
    no_lessons = evaluate(drive, org.fr, closed, lessons_learnt="   ", expect=400)
    assert list(no_lessons["fields"]) == ["lessons_learnt"]
    assert evaluate(drive, org.teammate, closed, expect=403)["code"] == "forbidden"
    evaluate(drive, org.fr, closed)
    again = evaluate(drive, org.fr, closed, expect=409)
    assert again["code"] == "contract_not_closed"
    assert ContractEvaluation.objects.count() == 1
    draft = ContractFactory(owner=org.rep, team=team(ar=org.rep, sr=org.sr, fr=org.fr))
    assert evaluate(drive, org.fr, draft, expect=409)["code"] == "contract_not_closed"


def _evaluation(contract, score, signed, actual, days_to_collect, when):
    evaluation = ContractEvaluation.objects.create(
        contract=contract,
        evaluated_by=contract.owner,
        signed_amount=contract.amount,
        final_amount=contract.amount,
        signed_margin_pct=Decimal(signed),
        actual_margin_pct=Decimal(actual),
        acceptance_rating="smooth",
        days_to_collect=days_to_collect,
        score=Decimal(score),
        lessons_learnt="x",
    )
    ContractEvaluation.objects.filter(pk=evaluation.pk).update(created_at=when)
    return evaluation


@pytest.fixture
def evaluations(org):
    tz = timezone.get_current_timezone()
    q1 = dt.datetime(2026, 2, 10, 12, tzinfo=tz)
    q2 = dt.datetime(2026, 5, 10, 12, tzinfo=tz)
    carrier = [
        ContractFactory(owner=org.rep, team=team(ar=org.rep), state="evaluated") for _ in range(2)
    ]
    gov = ContractFactory(owner=org.other_team_rep, state="evaluated")
    east = ContractFactory(owner=org.other_region_rep, state="evaluated")
    _evaluation(carrier[0], "80.00", "30", "28", 60, q1)
    _evaluation(carrier[1], "60.00", "25", "20", None, q2)
    _evaluation(gov, "70.00", "20", "22", 90, q2)
    _evaluation(east, "10.00", "10", "0", 300, q2)


def report(api, user, **params):
    response = api(user).get("/api/v1/contract-evaluations/report/", params)
    assert response.status_code == 200, response.json()
    return response.json()


def test_the_report_averages_by_org_unit_what_the_user_may_see(org, api, evaluations):
    body = report(api, org.director)
    rows = {row["org_unit_name"]: row for row in body["rows"]}
    assert set(rows) == {"GD carrier team", "GD government team"}  # not Jiangsu
    carrier = rows["GD carrier team"]
    assert carrier["contracts"] == 2 and carrier["score"] == "70.00"
    assert carrier["signed_margin_pct"] == "27.50" and carrier["actual_margin_pct"] == "24.00"
    assert carrier["days_to_collect"] == "60.00"  # the unknown one is left out of the average
    assert body["total"]["contracts"] == 3 and body["total"]["score"] == "70.00"
    mine = report(api, org.rep)
    assert [r["org_unit_name"] for r in mine["rows"]] == ["GD carrier team"]
    assert report(api, org.other_region_manager)["total"]["score"] == "10.00"


def test_the_report_by_period_and_both(org, api, evaluations):
    by_quarter = report(api, org.director, group="period", period="quarter")
    assert [(r["period"], r["contracts"], r["score"]) for r in by_quarter["rows"]] == [
        ("2026-01-01", 1, "80.00"),
        ("2026-04-01", 2, "65.00"),
    ]
    both = report(api, org.admin, group="both", period="year", date_from="2026-03-01")
    assert {(r["org_unit_name"], r["period"], r["contracts"]) for r in both["rows"]} == {
        ("GD carrier team", "2026-01-01", 1),
        ("GD government team", "2026-01-01", 1),
        ("JS carrier team", "2026-01-01", 1),
    }
    bad = api(org.director).get("/api/v1/contract-evaluations/report/", {"group": "planet"})
    assert bad.status_code == 400 and "group" in bad.json()["fields"]


def test_the_report_page_shows_the_averages(org, client, evaluations):
    client.force_login(org.director)
    page = client.get("/contracts/evaluations/?group=org_unit&period=quarter")
    assert page.status_code == 200
    html = page.content.decode()
    assert "GD government team" in html and "70.00" in html
    assert "JS carrier team" not in html

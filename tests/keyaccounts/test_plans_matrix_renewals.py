"""Account plans (actual vs plan), the customer matrix from purchase drivers, and renewal
opportunities opened before contracts end."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from core.models import Notification
from keyaccounts.models import AccountProfile, RenewalLink
from keyaccounts.tasks import open_renewal_opportunities
from opportunities.models import Opportunity
from tests.factories import ContractFactory, CustomerFactory, team

pytestmark = pytest.mark.django_db


def test_plan_with_targets_floors_actions_and_actual_against_plan(org, api, deal):
    year = timezone.localdate().year - 1
    customer = CustomerFactory(owner=org.rep)
    rep = api(org.rep)
    plan = rep.post(
        "/api/v1/account-plans/",
        {
            "customer": customer.pk,
            "name": str(year),
            "starts_on": f"{year}-01-01",
            "ends_on": f"{year}-12-31",
            "sr": org.sr.pk,
            "fr": org.fr.pk,
            "strategy": "Win the optical core.",
        },
        format="json",
    )
    assert plan.status_code == 201, plan.json()
    plan = plan.json()
    assert {m["role"] for m in plan["team"]} == {"ar", "sr", "fr"}
    again = rep.post(
        "/api/v1/account-plans/",
        {
            "customer": customer.pk,
            "name": "x",
            "starts_on": f"{year}-01-01",
            "ends_on": f"{year}-06-30",
        },
        format="json",
    )
    assert again.status_code == 400 and "starts_on" in again.json()["fields"]
    backwards = rep.post(
        "/api/v1/account-plans/",
        {
            "customer": customer.pk,
            "name": "x",
            "starts_on": f"{year}-03-01",
            "ends_on": f"{year}-02-01",
        },
        format="json",
    )
    assert backwards.status_code == 400
    foreign = CustomerFactory(owner=org.other_region_rep)
    assert (
        rep.post(
            "/api/v1/account-plans/",
            {
                "customer": foreign.pk,
                "name": "x",
                "starts_on": f"{year}-01-01",
                "ends_on": f"{year}-12-31",
            },
            format="json",
        ).status_code
        == 400
    )  # not a customer the rep can see

    for line, target, floor in (("Optical", "1000000", "600000"), ("Wireless", "500000", "0")):
        response = rep.post(
            "/api/v1/plan-targets/",
            {
                "plan": plan["id"],
                "product_line": line,
                "target_amount": target,
                "floor_amount": floor,
            },
            format="json",
        )
        assert response.status_code == 201, response.json()
    over = rep.post(
        "/api/v1/plan-targets/",
        {"plan": plan["id"], "product_line": "Core", "target_amount": "10", "floor_amount": "20"},
        format="json",
    )
    assert over.status_code == 400 and "floor_amount" in over.json()["fields"]

    action = rep.post(
        "/api/v1/plan-actions/",
        {
            "plan": plan["id"],
            "title": "Optical POC",
            "owner": org.sr.pk,
            "due_on": f"{year}-03-31",
            "floor_target": "POC accepted",
            "floor_amount": "600000",
        },
        format="json",
    )
    assert action.status_code == 201, action.json()
    assert Notification.objects.filter(recipient=org.sr, kind="plan.action_assigned").exists()
    done = api(org.sr).post(
        f"/api/v1/plan-actions/{action.json()['id']}/status/", {"status": "done"}, format="json"
    )
    assert done.status_code == 200 and done.json()["status"] == "done"
    assert (
        api(org.other_team_rep)
        .post(
            f"/api/v1/plan-actions/{action.json()['id']}/status/", {"status": "open"}, format="json"
        )
        .status_code
        == 404
    )

    deal(
        org.rep,
        customer=customer,
        amount="700000",
        signed_on=dt.date(year, 4, 1),
        delivered_on=dt.date(year, 8, 1),
        product_line="Optical",
    )
    deal(
        org.rep,
        customer=customer,
        amount="200000",
        signed_on=dt.date(year, 5, 1),
        product_line="Core",
    )
    deal(
        org.rep,
        customer=customer,
        amount="999000",
        signed_on=dt.date(year - 1, 12, 31),
        product_line="Optical",
    )  # before the plan's period
    result = rep.get(f"/api/v1/account-plans/{plan['id']}/performance/").json()
    products = {p["product_line"]: p for p in result["products"]}
    assert products["Optical"]["actual"] == "700000.00"
    assert products["Optical"]["attainment_pct"] == "70.0" and products["Optical"]["floor_met"]
    assert products["Wireless"]["actual"] == "0.00" and products["Wireless"]["floor_met"]
    assert products["Core"]["target"] == "0.00" and products["Core"]["actual"] == "200000.00"
    assert result["orders"] == "900000.00" and result["target_total"] == "1500000.00"
    assert result["attainment_pct"] == "60.0" and result["revenue"] == "700000.00"
    assert result["actions"] == {"open": 0, "overdue": 0, "done": 1}
    assert api(org.other_region_rep).get(f"/api/v1/account-plans/{plan['id']}/").status_code == 404


def test_matrix_placement_from_drivers_and_relationship(org, api):
    assert (
        api(org.director)
        .post(
            "/api/v1/planning-settings/",
            {
                "org_unit": org.gd.pk,
                "high_potential_amount": "5000000.00",
                "strong_relationship_level": 4,
            },
            format="json",
        )
        .status_code
        == 201
    )
    customers = {k: CustomerFactory(owner=org.rep, name=k) for k in ("P1", "P2", "P3", "P4")}
    drivers = {
        "P1": [("Mobile subscribers", "Wireless", "12000000", "0.5")],
        "P2": [
            ("Hospital beds", "Data centre", "10000", "300"),
            ("Branches", "Network", "1000", "2500.5"),
        ],
        "P3": [("Sites", "Optical", "1000", "1000")],
        "P4": [],
    }
    levels = {"P1": 4, "P2": 2, "P3": 5, "P4": 1}
    for key, rows in drivers.items():
        for name, line, volume, per_unit in rows:
            response = api(org.rep).post(
                "/api/v1/purchase-drivers/",
                {
                    "customer": customers[key].pk,
                    "name": name,
                    "product_line": line,
                    "volume": volume,
                    "amount_per_unit": per_unit,
                },
                format="json",
            )
            assert response.status_code == 201, response.json()
        profile = AccountProfile.objects.get_or_create(customer=customers[key])[0]
        assert (
            api(org.rep)
            .patch(
                f"/api/v1/account-profiles/{profile.pk}/",
                {"relationship_level": levels[key]},
                format="json",
            )
            .status_code
            == 200
        )
    placed = {
        p.customer.name: (p.potential_amount, p.quadrant)
        for p in AccountProfile.objects.select_related("customer")
    }
    assert placed == {
        "P1": (Decimal("6000000.00"), "core"),  # 12M × 0.50
        "P2": (Decimal("5500500.00"), "growth"),  # 3,000,000 + 2,500,500; level 2
        "P3": (Decimal("1000000.00"), "leverage"),  # level 5
        "P4": (Decimal("0.00"), "problem"),
    }
    matrix = api(org.manager).get("/api/v1/account-profiles/matrix/").json()
    assert {q["quadrant"]: q["count"] for q in matrix} == {
        "core": 1,
        "growth": 1,
        "leverage": 1,
        "problem": 1,
    }
    assert (
        api(org.other_region_manager).get("/api/v1/account-profiles/matrix/").json()[0]["count"]
        == 0
    )
    wrong = api(org.rep).post(
        "/api/v1/purchase-drivers/",
        {
            "customer": customers["P4"].pk,
            "name": "x",
            "product_line": "x",
            "volume": "1",
            "amount_per_unit": "1",
            "currency": "USD",
        },
        format="json",
    )
    assert wrong.status_code == 400 and "currency" in wrong.json()["fields"]
    driver = api(org.rep).get(f"/api/v1/purchase-drivers/?customer={customers['P1'].pk}").json()
    assert (
        api(org.rep).delete(f"/api/v1/purchase-drivers/{driver['results'][0]['id']}/").status_code
        == 204
    )
    assert AccountProfile.objects.get(customer=customers["P1"]).quadrant == "leverage"


def renewable(org, days, state="signed", **kw):
    contract = ContractFactory(
        owner=org.rep,
        team=team(ar=org.rep, sr=org.sr, fr=org.fr),
        ends_on=timezone.localdate() + dt.timedelta(days=days),
        signed_on=timezone.localdate() - dt.timedelta(days=300),
        **kw,
    )
    from contracts.models import Contract

    Contract.objects.filter(pk=contract.pk).update(state=state)
    return contract


def test_renewal_opportunity_opened_once_before_the_contract_ends(org, api):
    due = renewable(org, 60, amount=Decimal("960000.00"))
    later = renewable(org, 120)
    ended = renewable(org, -1)
    void = renewable(org, 30, state="terminated")
    assert open_renewal_opportunities.delay().get() == 1
    assert open_renewal_opportunities.delay().get() == 0  # idempotent
    link = RenewalLink.objects.get()
    opportunity = link.opportunity
    assert link.contract == due and opportunity.owner == org.rep
    assert (
        opportunity.amount == Decimal("960000.00")
        and opportunity.expected_close_date == due.ends_on
    )
    assert opportunity.team.sr == org.sr and opportunity.state == "identified"
    assert Notification.objects.filter(recipient=org.rep, kind="renewal.opened").count() == 1
    assert api(org.rep).get("/api/v1/renewals/").json()["results"][0]["contract"] == due.pk
    assert api(org.other_region_rep).get("/api/v1/renewals/").json()["results"] == []

    api(org.manager).post(
        "/api/v1/planning-settings/",
        {"org_unit": org.gd_carrier.pk, "renewal_lead_days": 150},
        format="json",
    )
    assert open_renewal_opportunities.delay().get() == 1
    assert set(RenewalLink.objects.values_list("contract", flat=True)) == {due.pk, later.pk}
    assert not RenewalLink.objects.filter(contract__in=[ended, void]).exists()
    assert Opportunity.objects.count() == 2

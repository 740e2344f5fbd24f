"""Check-then-insert races of key-account planning on PostgreSQL: targets, plans, their
product-line targets, commitments, planning settings and the tier history. What is allowed
once exists once when requests for it arrive at the same instant; what is "create or change"
is created by the first and changed by the others; every answer is the one a later, lone
repeat gets (ADR 12)."""

from __future__ import annotations

from collections import Counter

import pytest
from django.db import connection
from django.utils import timezone

from core.models import JobRun
from keyaccounts.models import (
    AccountPlan,
    AccountProfile,
    Commitment,
    PlanningSettings,
    PlanTarget,
    SalesTarget,
    TierChange,
)
from tests.factories import CustomerFactory
from tests.trust.racing import stampede

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="real concurrency: PostgreSQL"),
]

NEXT_YEAR = timezone.localdate().year + 1


def outcomes(responses) -> Counter:
    """(status, field at fault) of each response; None for a success."""
    return Counter(
        (r.status_code, next(iter(r.json()["fields"]), None) if r.status_code >= 400 else None)
        for r in responses
    )


def test_a_sales_target_set_twenty_times_at_once_exists_once(org, api):
    body = {"metric": "orders", "year": NEXT_YEAR, "org_unit": org.gd_carrier.pk, "amount": "1200"}

    responses = stampede(
        lambda: api(org.manager).post("/api/v1/sales-targets/", body, format="json")
    )

    assert outcomes(responses) == {(201, None): 1, (400, "year"): 19}
    assert SalesTarget.objects.count() == 1


def test_an_account_plan_created_twenty_times_at_once_exists_once(org, api):
    customer = CustomerFactory(owner=org.rep)
    body = {
        "customer": customer.pk,
        "name": "Next year",
        "starts_on": f"{NEXT_YEAR}-01-01",
        "ends_on": f"{NEXT_YEAR}-12-31",
    }

    responses = stampede(lambda: api(org.rep).post("/api/v1/account-plans/", body, format="json"))

    assert outcomes(responses) == {(201, None): 1, (400, "starts_on"): 19}
    assert AccountPlan.objects.count() == 1


def test_a_product_line_target_set_twenty_times_at_once_is_one_target(org, api):
    customer = CustomerFactory(owner=org.rep)
    plan = (
        api(org.rep)
        .post(
            "/api/v1/account-plans/",
            {
                "customer": customer.pk,
                "name": "Next year",
                "starts_on": f"{NEXT_YEAR}-01-01",
                "ends_on": f"{NEXT_YEAR}-12-31",
            },
            format="json",
        )
        .json()
    )
    body = {"plan": plan["id"], "product_line": "Optical", "target_amount": "100.00"}

    responses = stampede(lambda: api(org.rep).post("/api/v1/plan-targets/", body, format="json"))

    assert outcomes(responses) == {(201, None): 20}, [r.json() for r in responses]
    assert PlanTarget.objects.count() == 1


def test_a_commitment_made_twenty_times_at_once_is_one_commitment(org, api):
    body = {"year": NEXT_YEAR, "period_kind": "quarter", "period": 1, "amount": "5000"}

    responses = stampede(lambda: api(org.rep).post("/api/v1/commitments/", body, format="json"))

    assert outcomes(responses) == {(201, None): 20}, [r.json() for r in responses]
    assert Commitment.objects.count() == 1


def test_planning_settings_saved_twenty_times_at_once_are_one_row(org, api):
    body = {"org_unit": org.gd_carrier.pk, "coverage_ratio": "1.50"}

    responses = stampede(
        lambda: api(org.manager).post("/api/v1/planning-settings/", body, format="json")
    )

    assert outcomes(responses) == {(201, None): 20}, [r.json() for r in responses]
    assert PlanningSettings.objects.count() == 1


def test_tiers_recomputed_five_times_at_once_record_each_change_once(org, api):
    customer = CustomerFactory(owner=org.rep, name="Foshan Water")
    AccountProfile.objects.create(customer=customer, currency="CNY", strategic_value=4)
    criteria = {"name": "Key", "org_unit": org.gd_carrier.pk, "currency": "CNY", "key_min_value": 4}
    made = api(org.manager).post("/api/v1/tier-criteria/", criteria, format="json")
    assert made.status_code == 201, made.json()

    responses = stampede(lambda: api(org.manager).post("/api/v1/tier-criteria/recompute/"), times=5)

    assert Counter(r.status_code for r in responses) == {202: 5}
    runs = JobRun.objects.filter(pk__in={r.json()["id"] for r in responses})
    assert sum(run.result or 0 for run in runs) == 1  # asked at once: one run, or runs in turn
    change = TierChange.objects.get(customer=customer)
    assert (change.from_tier, change.to_tier) == ("normal", "key")

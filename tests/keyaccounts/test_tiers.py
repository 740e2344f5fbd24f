"""Tiering (分层分级): criteria place customers in tiers from revenue, share, potential and
strategic value; the scheduled job recomputes; an override needs a reason; history is kept."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from accounts.models import Customer
from core.audit import timeline
from core.models import JobRun
from keyaccounts.models import AccountProfile, TierChange
from keyaccounts.tasks import recompute_tiers
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


def criteria(api, user, unit, **values):
    body = {"name": "Key accounts", "org_unit": unit.pk, "currency": "CNY", **values}
    response = api(user).post("/api/v1/tier-criteria/", body, format="json")
    assert response.status_code == 201, response.json()
    return response.json()


@pytest.fixture
def book(org, deal):
    """Four customers of the GD carrier team with revenue (delivered) in the last year:
    A 6.0M, B 1.5M, C 0.5M, D none (total 8.0M)."""
    today = timezone.localdate()
    recent = today - dt.timedelta(days=30)
    customers = {k: CustomerFactory(owner=org.rep, name=f"Customer {k}") for k in "ABCD"}
    for key, amount in (("A", "6000000"), ("B", "1500000"), ("C", "500000")):
        deal(org.rep, customer=customers[key], amount=amount, signed_on=recent, delivered_on=recent)
    # Revenue outside the look-back window and signed-only orders never count as revenue.
    deal(
        org.rep,
        customer=customers["C"],
        amount="9000000",
        signed_on=today - dt.timedelta(500),
        delivered_on=today - dt.timedelta(days=400),
    )
    deal(org.rep, customer=customers["D"], amount="7000000", signed_on=recent)
    return customers


def test_criteria_place_each_customer_by_hand_computed_figures(
    org, api, book, django_capture_on_commit_callbacks
):
    criteria(
        api,
        org.manager,
        org.gd_carrier,
        strategic_min_revenue="5000000.00",
        key_min_revenue="1000000.00",
        key_min_share_pct="30.00",
        key_min_value=4,
    )
    api(org.manager).patch(
        f"/api/v1/account-profiles/{AccountProfile.objects.get_or_create(customer=book['D'])[0].pk}/",
        {"strategic_value": 4},
        format="json",
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = api(org.manager).post("/api/v1/tier-criteria/recompute/")
    assert response.status_code == 202, response.json()
    run = JobRun.objects.get(pk=response.json()["id"])
    assert (run.name, run.status, run.requested_by, run.result) == (
        "keyaccounts-recompute-tiers",
        "succeeded",
        org.manager,
        3,  # A, B and D change; C stays normal
    )
    tiers = {k: Customer.objects.get(pk=c.pk).tier for k, c in book.items()}
    # A: 6.0M ≥ 5M strategic. B: 1.5M ≥ 1M key (share 18.75%). C: 0.5M, share 6.25% → normal.
    # D: no revenue, but strategic value 4 ≥ 4 → key.
    assert tiers == {"A": "strategic", "B": "key", "C": "normal", "D": "key"}
    basis = AccountProfile.objects.get(customer=book["B"]).tier_basis
    figures = next(iter(basis["criteria"].values()))
    assert figures["revenue"] == "1500000.00" and figures["share_pct"] == "18.75"
    change = TierChange.objects.get(customer=book["A"])
    assert (change.from_tier, change.to_tier, change.source, change.by) == (
        "normal",
        "strategic",
        "rule",
        org.manager,  # who asked for the run
    )
    assert any(e.changes.get("tier") == ["normal", "strategic"] for e in timeline(book["A"]))
    assert recompute_tiers.delay().get() == 0  # the scheduled job is idempotent


def test_all_thresholds_must_be_met_when_the_criteria_say_all(org, api, book):
    criteria(
        api,
        org.manager,
        org.gd_carrier,
        match="all",
        key_min_revenue="1000000.00",
        key_min_share_pct="20.00",
    )
    recompute_tiers.delay()
    # A: 6M and 75% → key; B: 1.5M but 18.75% < 20% → normal.
    assert Customer.objects.get(pk=book["A"].pk).tier == "key"
    assert Customer.objects.get(pk=book["B"].pk).tier == "normal"


def test_criteria_per_product_line_count_only_that_line(org, api, deal, clock):
    today = timezone.localdate()
    a, b = CustomerFactory(owner=org.rep), CustomerFactory(owner=org.rep)
    recent = today - dt.timedelta(days=10)
    deal(
        org.rep,
        customer=a,
        amount="2000000",
        signed_on=recent,
        delivered_on=recent,
        product_line="Optical",
    )
    deal(
        org.rep,
        customer=b,
        amount="3000000",
        signed_on=recent,
        delivered_on=recent,
        product_line="Wireless",
    )
    criteria(api, org.manager, org.gd_carrier, product_line="Optical", key_min_revenue="1000000.00")
    recompute_tiers.delay()
    assert Customer.objects.get(pk=a.pk).tier == "key"
    assert Customer.objects.get(pk=b.pk).tier == "normal"


def test_customers_no_criteria_cover_keep_their_tier(org, api, book):
    outside = CustomerFactory(owner=org.other_region_rep, tier="strategic")
    criteria(api, org.manager, org.gd_carrier, key_min_revenue="1000000.00")
    recompute_tiers.delay()
    assert Customer.objects.get(pk=outside.pk).tier == "strategic"


def test_override_needs_a_reason_a_manager_and_survives_recomputation(org, api, book):
    criteria(api, org.manager, org.gd_carrier, key_min_revenue="1000000.00")
    recompute_tiers.delay()
    profile = AccountProfile.objects.get(customer=book["C"])
    url = f"/api/v1/account-profiles/{profile.pk}/tier-override/"
    assert api(org.manager).post(url, {"tier": "strategic"}, format="json").status_code == 400
    blank = api(org.manager).post(url, {"tier": "strategic", "reason": "  "}, format="json")
    assert blank.status_code == 400 and "reason" in blank.json()["fields"]
    assert (
        api(org.rep).post(url, {"tier": "strategic", "reason": "x"}, format="json").status_code
        == 403
    )
    assert (
        api(org.other_region_manager)
        .post(url, {"tier": "strategic", "reason": "x"}, format="json")
        .status_code
        == 404
    )
    assert Customer.objects.get(pk=book["C"].pk).tier == "normal"  # nothing half-written

    done = api(org.manager).post(
        url, {"tier": "strategic", "reason": "Provincial flagship for 5G."}, format="json"
    )
    assert done.status_code == 200, done.json()
    assert done.json()["tier"] == "strategic" and done.json()["tier_override"] == "strategic"
    recompute_tiers.delay()
    assert Customer.objects.get(pk=book["C"].pk).tier == "strategic"

    cleared = api(org.manager).post(
        f"/api/v1/account-profiles/{profile.pk}/tier-override-clear/",
        {"reason": "Flagship ended."},
        format="json",
    )
    assert cleared.status_code == 200
    assert Customer.objects.get(pk=book["C"].pk).tier == "normal"
    history = api(org.rep).get(f"/api/v1/tier-changes/?customer={book['C'].pk}").json()["results"]
    assert [(h["from_tier"], h["to_tier"], h["source"]) for h in history] == [
        ("strategic", "normal", "override_cleared"),
        ("normal", "strategic", "override"),
    ]
    assert history[1]["reason"] == "Provincial flagship for 5G."


def test_criteria_are_a_managers_and_need_a_key_threshold(org, api):
    body = {"name": "x", "org_unit": org.gd_carrier.pk, "key_min_revenue": "1.00"}
    assert api(org.rep).post("/api/v1/tier-criteria/", body, format="json").status_code == 403
    outside = api(org.other_region_manager).post("/api/v1/tier-criteria/", body, format="json")
    # a unit outside the manager's subtree: the access policy's 400, naming the field
    assert outside.status_code == 400 and outside.json()["code"] == "out_of_scope"
    assert set(outside.json()["fields"]) == {"org_unit"}
    missing = api(org.manager).post(
        "/api/v1/tier-criteria/", {"name": "x", "org_unit": org.gd_carrier.pk}, format="json"
    )
    assert missing.status_code == 400 and "key_min_revenue" in missing.json()["fields"]
    inverted = api(org.manager).post(
        "/api/v1/tier-criteria/",
        {**body, "key_min_revenue": "10.00", "strategic_min_revenue": "5.00"},
        format="json",
    )
    assert inverted.status_code == 400
    assert api(org.rep).post("/api/v1/tier-criteria/recompute/").status_code == 403


def test_strategic_value_is_set_by_a_manager_only(org, api):
    customer = CustomerFactory(owner=org.rep)
    profile = AccountProfile.objects.create(customer=customer)
    url = f"/api/v1/account-profiles/{profile.pk}/"
    assert api(org.rep).patch(url, {"strategic_value": 5}, format="json").status_code == 403
    ok = api(org.rep).patch(
        url, {"relationship_stage": "stable", "relationship_level": 4}, format="json"
    )
    assert ok.status_code == 200, ok.json()
    assert api(org.other_region_rep).get(url).status_code == 404
    assert Decimal(ok.json()["potential_amount"]) == 0


def test_recompute_runs_in_the_background_and_answers_the_run_in_flight(
    org, api, book, django_capture_on_commit_callbacks
):
    """The page and the API queue the recompute (nothing changes in the request); asking again
    while it is queued answers the same run; the worker runs it once."""
    criteria(api, org.manager, org.gd_carrier, key_min_revenue="1000000.00")
    with django_capture_on_commit_callbacks() as queued:
        first = api(org.manager).post("/api/v1/tier-criteria/recompute/")
        again = api(org.admin).post("/api/v1/tier-criteria/recompute/")
    assert (first.status_code, again.status_code) == (202, 202)
    assert first.json()["id"] == again.json()["id"] and first.json()["status"] == "queued"
    assert not TierChange.objects.exists()  # not in the request
    for callback in queued:
        callback()
    assert TierChange.objects.filter(by=org.manager).count() == 2  # A and B
    run = JobRun.objects.get()
    assert (run.status, run.result) == ("succeeded", 2)


def test_the_worker_checks_who_asked_before_recomputing(org, api, book):
    """A manager demoted between asking and the run: the worker refuses, nothing changes."""
    from core.jobs import job_execute

    criteria(api, org.manager, org.gd_carrier, key_min_revenue="1000000.00")
    run = JobRun.objects.create(name="keyaccounts-recompute-tiers", requested_by=org.manager)
    type(org.manager).objects.filter(pk=org.manager.pk).update(role="sales_rep")
    job_execute(run.pk)
    run.refresh_from_db()
    assert run.status == "failed" and "sales manager" in run.error
    assert not TierChange.objects.exists()


def test_the_recompute_page_queues_the_job(org, browser_client, book):
    response = browser_client(org.manager).post("/key-accounts/criteria/recompute/")
    assert response.status_code == 302
    assert JobRun.objects.get().requested_by == org.manager
    rep = browser_client(org.rep).post("/key-accounts/criteria/recompute/")
    assert rep.status_code == 302 and JobRun.objects.count() == 1

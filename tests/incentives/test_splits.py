"""Credit sharing (issue 21.6): the default split, a deal's own split through the approval
engine, and the ledger crediting each person by their share, exactly once per event."""

from __future__ import annotations

import random
from decimal import Decimal

import pytest

from core.models import AuditEvent
from incentives.models import CreditEvent, CreditLine
from incentives.shares import split_amount
from incentives.tasks import credit_pending

pytestmark = pytest.mark.django_db

DEFAULT = "/api/v1/credit-split-default/"
SPLITS = "/api/v1/credit-splits/"
LINES = "/api/v1/credit-lines/"


def credited(person, kind="booking") -> Decimal:
    return sum(
        (line.amount for line in CreditLine.objects.filter(person=person, kind=kind)),
        Decimal("0"),
    )


def test_largest_remainder_parts_sum_exactly_to_the_whole():
    assert split_amount(Decimal("100.00"), [Decimal("33.33")] * 2 + [Decimal("33.34")]) == [
        Decimal("33.33"),
        Decimal("33.33"),
        Decimal("33.34"),
    ]
    # One cent between two equal shares goes to the first (the split's order).
    assert split_amount(Decimal("0.01"), [Decimal("50"), Decimal("50")]) == [
        Decimal("0.01"),
        Decimal("0"),
    ]
    rng = random.Random(21)
    for _ in range(500):
        total = Decimal(rng.randint(1, 10**9)) / 100
        cuts = sorted(rng.sample(range(1, 10000), 3))
        pcts = [Decimal(b - a) / 100 for a, b in zip([0, *cuts], [*cuts, 10000], strict=True)]
        parts = split_amount(total, pcts)
        assert sum(parts) == total
        assert all(
            abs(p - total * q / 100) < Decimal("0.01") for p, q in zip(parts, pcts, strict=True)
        )


def test_the_default_split_is_set_by_an_administrator_summing_to_100(org, api):
    assert api(org.rep).get(DEFAULT).json()["ar_pct"] == "50.00"
    refused = api(org.rep).put(
        DEFAULT,
        {"ar_pct": "40", "sr_pct": "30", "fr_pct": "20", "partner_pct": "10"},
        format="json",
    )
    assert refused.status_code == 403
    wrong = api(org.admin).put(
        DEFAULT, {"ar_pct": "40", "sr_pct": "30", "fr_pct": "20", "partner_pct": "9"}, format="json"
    )
    assert wrong.status_code == 400
    assert "non_field_errors" in wrong.json()["fields"]
    out_of_range = api(org.admin).put(
        DEFAULT,
        {"ar_pct": "140", "sr_pct": "-30", "fr_pct": "x", "partner_pct": "0"},
        format="json",
    )
    assert out_of_range.status_code == 400
    assert {"ar_pct", "sr_pct", "fr_pct"} <= set(out_of_range.json()["fields"])
    done = api(org.admin).put(
        DEFAULT,
        {"ar_pct": "40", "sr_pct": "30", "fr_pct": "20", "partner_pct": "10"},
        format="json",
    )
    assert done.status_code == 200, done.json()
    assert done.json()["sr_pct"] == "30.00"
    event = AuditEvent.objects.get(action="credit_default.changed")
    assert event.changes["ar_pct"] == ["50.00", "40.00"]


def test_a_signed_contract_is_credited_once_by_the_default_split(org, api, deal):
    assert credit_pending() == 1 + deal_allocations(deal)
    assert credit_pending() == 0  # nothing changed: nothing written again
    # No partner on the deal: the partner manager's 10% goes to the AR.
    assert credited(org.rep) == Decimal("600000.00")
    assert credited(org.sr) == Decimal("250000.00")
    assert credited(org.fr) == Decimal("150000.00")
    assert CreditEvent.objects.filter(kind="booking", source_id=deal.pk).count() == 1
    mine = api(org.rep).get(LINES, {"kind": "booking"}).json()["results"]
    assert {line["person"] for line in mine} == {org.rep.pk}
    team = api(org.manager).get(LINES, {"kind": "booking"}).json()["results"]
    assert {line["person"] for line in team} == {org.rep.pk, org.sr.pk, org.fr.pk}
    assert api(org.other_region_manager).get(LINES).json()["results"] == []


def deal_allocations(contract) -> int:
    from receivables.models import ReceiptAllocation

    return ReceiptAllocation.objects.filter(milestone__contract=contract).count()


def _ask(api, user, deal, shares, reason="The SR carried the solution."):
    return api(user).post(
        SPLITS,
        {"opportunity": deal.opportunity_id, "shares": shares, "reason": reason},
        format="json",
    )


def test_a_deals_split_waits_for_the_manager_then_re_credits_with_reversals(org, api, deal):
    credit_pending()
    shares = [
        {"user": org.rep.pk, "seat": "ar", "pct": "40"},
        {"user": org.sr.pk, "seat": "sr", "pct": "40"},
        {"user": org.fr.pk, "seat": "fr", "pct": "20"},
    ]
    asked = _ask(api, org.rep, deal, shares)
    assert asked.status_code == 201, asked.json()
    assert asked.json()["state"] == "pending"
    assert credited(org.sr) == Decimal("250000.00")  # the split in force stays meanwhile
    assert _ask(api, org.rep, deal, shares).status_code == 409  # one request at a time
    waiting = api(org.manager).get("/api/v1/approvals/", {"waiting_on": "me"}).json()["results"]
    assert len(waiting) == 1
    decided = api(org.manager).post(
        f"/api/v1/approvals/{waiting[0]['id']}/decide/", {"decision": "approve"}, format="json"
    )
    assert decided.status_code == 200, decided.json()
    assert api(org.rep).get(f"{SPLITS}{asked.json()['id']}/").json()["state"] == "approved"
    assert credited(org.rep) == Decimal("400000.00")
    assert credited(org.sr) == Decimal("400000.00")
    assert credited(org.fr) == Decimal("200000.00")
    # History kept: the first lines stand, reversed by negative lines of the next generation.
    reversals = CreditLine.objects.filter(kind="booking", reversal=True)
    assert sorted(r.amount for r in reversals) == [
        Decimal("-600000.00"),
        Decimal("-250000.00"),
        Decimal("-150000.00"),
    ]
    assert sum(line.amount for line in CreditLine.objects.filter(kind="booking")) == deal.amount
    events = AuditEvent.objects.filter(
        target_id=deal.opportunity_id, action__startswith="credit_split"
    )
    assert {e.action for e in events} == {"credit_split.requested", "credit_split.approved"}


def test_a_rejected_split_changes_nothing(org, api, deal):
    credit_pending()
    asked = _ask(
        api,
        org.rep,
        deal,
        [{"user": org.rep.pk, "seat": "ar", "pct": "100"}],
    )
    assert asked.status_code == 201
    request = api(org.manager).get("/api/v1/approvals/", {"waiting_on": "me"}).json()["results"][0]
    api(org.manager).post(
        f"/api/v1/approvals/{request['id']}/decide/",
        {"decision": "reject", "comment": "Not agreed by the team."},
        format="json",
    )
    assert api(org.rep).get(f"{SPLITS}{asked.json()['id']}/").json()["state"] == "rejected"
    assert credited(org.sr) == Decimal("250000.00")
    assert not CreditLine.objects.filter(reversal=True).exists()


@pytest.mark.parametrize(
    ("shares", "field"),
    [
        ([{"user": 0, "seat": "ar", "pct": "100"}], "shares.0.user"),
        ([{"user": "SR", "seat": "sr", "pct": "100"}], "shares.0.user"),
        ([{"seat": "boss", "pct": "100"}], "shares.0.seat"),
        ([{"user": "sr", "seat": "ar", "pct": "100"}], "shares.0.user"),
        ([{"user": "rep", "seat": "ar", "pct": "100.001"}], "shares.0.pct"),
        ([{"user": "rep", "seat": "ar", "pct": "-5"}], "shares.0.pct"),
        (
            [{"user": "rep", "seat": "ar", "pct": "60"}, {"user": "sr", "seat": "sr", "pct": "30"}],
            "shares",
        ),
        ([{"user": "rep", "seat": "partner", "pct": "100"}], "shares.0.user"),
        ([{"user": "other_region_rep", "seat": "other", "pct": "100"}], "shares.0.user"),
        (
            [
                {"user": "rep", "seat": "ar", "pct": "50"},
                {"user": "rep", "seat": "ar", "pct": "50"},
            ],
            "shares.1.user",
        ),
        ([], "shares"),
        ("all to me", "shares"),
    ],
)
def test_a_bad_split_is_a_400_naming_the_problem(org, api, deal, shares, field):
    if isinstance(shares, list):
        for share in shares:
            if isinstance(share.get("user"), str) and hasattr(org, share["user"]):
                share["user"] = getattr(org, share["user"]).pk
    answer = _ask(api, org.rep, deal, shares)
    assert answer.status_code == 400, answer.json()
    assert field in answer.json()["fields"], answer.json()


def test_a_named_colleague_in_scope_may_share(org, api, deal):
    shares = [
        {"user": org.rep.pk, "seat": "ar", "pct": "70"},
        {"user": org.teammate.pk, "seat": "other", "pct": "30"},
    ]
    assert _ask(api, org.rep, deal, shares).status_code == 201


def test_only_who_may_change_the_deal_asks_for_its_split(org, api, deal):
    shares = [{"user": org.rep.pk, "seat": "ar", "pct": "100"}]
    assert _ask(api, org.other_region_rep, deal, shares).status_code == 400
    assert _ask(api, org.teammate, deal, shares).status_code == 403  # sees it, may not change it


def test_collections_are_credited_by_share_and_reversed_with_the_receipt(
    org, api, deal, django_capture_on_commit_callbacks
):
    from receivables.services import receipt_record, receipt_reverse

    credit_pending()
    with django_capture_on_commit_callbacks(execute=True):
        receipt = receipt_record(
            by=org.finance,
            contract=deal,
            amount=Decimal("100000.03"),
            received_on=deal.signed_on,
            method="bank_transfer",
        )
    parts = [credited(p, "collection") for p in (org.rep, org.sr, org.fr)]
    # 60 / 25 / 15 of 100,000.03: the two cents left after rounding down go to the largest
    # remainders (AR .8 of a cent, SR .75), so the parts sum to the receipt exactly.
    assert parts == [Decimal("60000.02"), Decimal("25000.01"), Decimal("15000.00")]
    with django_capture_on_commit_callbacks(execute=True):
        receipt_reverse(receipt=receipt, by=org.finance, reason="Bounced")
    assert credited(org.rep, "collection") == 0
    assert CreditLine.objects.filter(kind="collection", reversal=True).count() == 3


def test_the_default_split_travels_in_the_configuration_file(org, api):
    empty = api(org.admin).get("/api/v1/configuration/export/").json()
    assert empty["credit_split_default"] == []  # the model's defaults: the same everywhere
    api(org.admin).put(
        DEFAULT,
        {"ar_pct": "40", "sr_pct": "30", "fr_pct": "20", "partner_pct": "10"},
        format="json",
    )
    document = api(org.admin).get("/api/v1/configuration/export/").json()
    assert document["credit_split_default"] == [
        {
            "key": "company",
            "ar_pct": "40.00",
            "sr_pct": "30.00",
            "fr_pct": "20.00",
            "partner_pct": "10.00",
        }
    ]
    again = api(org.admin).post("/api/v1/configuration/import/", document, format="json")
    assert again.status_code == 200 and again.json()["changed"] == 0, again.json()
    document["credit_split_default"][0]["partner_pct"] = "11.00"
    refused = api(org.admin).post("/api/v1/configuration/import/", document, format="json")
    assert refused.status_code == 400
    assert refused.json()["code"] == "bad_configuration"

"""Write-off decisions racing on PostgreSQL (ADR 12, ADR 17): two approvers deciding one
write-off at once, on the write-off endpoint or the engine's, give one decision and one 409;
the money is written off once."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection

from core.approvals.models import ApprovalRequest, ApprovalTask
from receivables.models import WriteOffRequest
from tests.trust.racing import race

from .conftest import milestones, pct_plan

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL"),
]


@pytest.fixture
def write_off(org, api, make_contract):
    contract = make_contract(amount="1000.00", plan=pct_plan(("custom", 100, "on_signing", 0)))
    response = api(org.rep).post(
        "/api/v1/write-off-requests/",
        {"milestone": milestones(contract)[0].pk, "reason": "insolvent"},
        format="json",
    )
    assert response.status_code == 201, response.json()
    return WriteOffRequest.objects.get(pk=response.json()["id"])


def _post(api, user, url, data):
    def call():
        return api(user).post(url, data, format="json").status_code

    return call


def _settled_once(write_off) -> None:
    write_off.refresh_from_db()
    approval = ApprovalRequest.objects.get(kind="write_off", subject_id=write_off.pk)
    assert write_off.state == approval.state  # approved or rejected, on both
    assert (
        ApprovalTask.objects.filter(request=approval).exclude(outcome__in=["", "closed"]).count()
        == 1
    )
    expected = Decimal("1000.00") if write_off.state == "approved" else Decimal("0")
    assert write_off.milestone.written_off_amount == expected


def test_two_approvers_on_the_write_off_endpoint_give_one_decision(org, api, write_off):
    base = f"/api/v1/write-off-requests/{write_off.pk}"
    codes = race(
        _post(api, org.manager, f"{base}/approval/", {"comment": "yes"}),
        _post(api, org.director, f"{base}/rejection/", {"reason": "no"}),
    )
    assert sorted(codes) == [200, 409]
    _settled_once(write_off)


def test_the_write_off_endpoint_and_the_engine_at_once_give_one_decision(org, api, write_off):
    approval = ApprovalRequest.objects.get(kind="write_off", subject_id=write_off.pk)
    codes = race(
        _post(api, org.manager, f"/api/v1/write-off-requests/{write_off.pk}/approval/", {}),
        _post(
            api,
            org.director,
            f"/api/v1/approvals/{approval.pk}/decide/",
            {"decision": "approve", "comment": "yes"},
        ),
    )
    assert sorted(codes) == [200, 409]
    _settled_once(write_off)

"""Approval races on PostgreSQL (ADR 12): two approvers deciding one step at once give one
decision; two all-of approvers approving at once both count, once; a reminder scan run twice
at once sends each reminder once; two first requests of a kind make one default chain."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.utils import timezone

from core.approvals.chains import chain_define
from core.approvals.models import ApprovalChain, ApprovalNotice, ApprovalRequest, ApprovalTask
from core.approvals.reminders import approvals_scan
from core.models import Notification
from tests.opportunities import conftest as mo
from tests.trust.racing import race, stampede

from .test_approvals import PRICING, request_of, special  # noqa: F401

# The MO tests' deal with its iron triangle and their catalogue, not copies of them.
opportunity = mo.opportunity
products = mo.products

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL"),
]


def _decide(api, user, pk, decision, comment="race"):
    def call():
        return (
            api(user)
            .post(
                f"/api/v1/approvals/{pk}/decide/",
                {"decision": decision, "comment": comment},
                format="json",
            )
            .status_code
        )

    return call


def test_two_approvers_racing_give_one_decision(org, api, opportunity, products):
    request = request_of(special(api, org, opportunity, products))
    codes = race(
        _decide(api, org.manager, request.pk, "approve"),
        _decide(api, org.director, request.pk, "reject"),
    )
    assert sorted(codes) == [200, 409]
    request.refresh_from_db()
    assert request.state in ("approved", "rejected")
    assert (
        ApprovalTask.objects.filter(request=request).exclude(outcome__in=["", "closed"]).count()
        == 1
    )


def test_all_of_approvers_at_once_both_count(org, api, opportunity, products):
    chain_define(
        kind="special_price",
        name="Both",
        by=org.admin,
        steps=[
            {
                "name": "Both managers",
                "approver": {"type": "role", "role": "sales_manager", "level": "any"},
                "mode": "all_of",
            }
        ],
    )
    request = request_of(special(api, org, opportunity, products))
    codes = race(
        _decide(api, org.manager, request.pk, "approve"),
        _decide(api, org.director, request.pk, "approve"),
    )
    assert codes == [200, 200]
    request.refresh_from_db()
    assert request.state == "approved"


def test_reminder_scans_at_once_remind_once(org, api, opportunity, products):
    chain_define(
        kind="special_price",
        name="Timed",
        by=org.admin,
        steps=[
            {
                "name": "Manager",
                "approver": {"type": "user", "user": org.manager.pk},
                "time_limit_hours": 2,
                "escalate_to": {"type": "user", "user": org.director.pk},
            }
        ],
    )
    request = request_of(special(api, org, opportunity, products))
    ApprovalTask.objects.filter(request=request).update(
        created_at=timezone.now() - dt.timedelta(hours=3)
    )
    results = stampede(approvals_scan, times=6)
    assert sum(r["reminders"] for r in results) == 1
    assert sum(r["escalations"] for r in results) == 1
    assert ApprovalNotice.objects.count() == 2
    assert Notification.objects.filter(kind="approval.escalated").count() == 1


def test_first_requests_at_once_make_one_default_chain(org, api, opportunity, products):
    from core.approvals.chains import chain_for

    chains = stampede(lambda: chain_for("special_price").pk, times=8)
    assert len(set(chains)) == 1
    assert ApprovalChain.objects.filter(kind="special_price").count() == 1
    assert not ApprovalRequest.objects.exists()

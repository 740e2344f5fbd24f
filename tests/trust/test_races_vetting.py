"""客户审批 races on PostgreSQL: two approvers deciding one pending customer at the same
instant: one decides, the other is told it is decided (409 `approval_not_pending`), and the
customer is approved once (threads, each with its own connection; see `racing.py`)."""

from __future__ import annotations

from collections import Counter

import pytest
from django.db import connection

from accounts.models import Customer
from core.approvals.models import ApprovalTask
from core.models import AuditEvent
from tests.trust.racing import race

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="real concurrency: PostgreSQL"),
]


@pytest.fixture(autouse=True)
def tasks_loaded():
    """Load the Celery tasks before the racers start (the decision notifies by e-mail)."""
    from celery import current_app

    current_app.loader.import_default_modules()


def test_two_approvers_at_once_one_decides_the_other_409(org, api, settings):
    settings.CUSTOMER_APPROVAL_REQUIRED = True
    made = api(org.rep).post("/api/v1/customers/", {"name": "Racing Metro"}, format="json")
    assert made.status_code == 201, made.json()
    customer = Customer.objects.get(pk=made.json()["id"])
    assert customer.state == "pending"

    def approve(user, **assignment):
        return lambda: api(user).post(
            f"/api/v1/customer-vetting/{customer.pk}/decide/",
            {"decision": "approve", **assignment},
            format="json",
        )

    responses = race(
        approve(org.manager),
        approve(org.director, org_unit=org.gd_gov.pk, owner=org.other_team_rep.pk),
    )
    statuses = Counter(r.status_code for r in responses)
    assert statuses == Counter({200: 1, 409: 1}), [r.json() for r in responses]
    loser = next(r for r in responses if r.status_code == 409)
    assert loser.json()["code"] == "approval_not_pending"
    customer = Customer.objects.get(pk=customer.pk)
    assert customer.state == "approved"
    transitions = AuditEvent.objects.filter(
        target_id=customer.pk, action="transition", transition="approve"
    )
    assert transitions.count() == 1
    decided = ApprovalTask.objects.filter(request__subject_id=customer.pk, outcome="approved")
    assert decided.count() == 1

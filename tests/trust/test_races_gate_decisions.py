"""A gate's decision on the approval engine, raced on PostgreSQL (ADR 12, ADR 17): two
managers with the gate's authority decide its any-of step at once; one decides, the other is
told it is no longer waiting (409 `approval_not_pending`), and the review is decided once."""

from __future__ import annotations

import pytest
from django.db import connection

from core.approvals.models import ApprovalRequest, ApprovalTask
from core.models import GateReview
from tests.opportunities import conftest as mo
from tests.trust.racing import race

opportunity = mo.opportunity

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL"),
]


def _decide(api, user, pk, decision):
    def call():
        response = api(user).post(
            f"/api/v1/approvals/{pk}/decide/",
            {"decision": decision, "comment": "race"},
            format="json",
        )
        return response.status_code, response.json().get("code")

    return call


def test_two_deciders_of_a_gate_at_once_give_one_decision(org, api, opportunity):
    review_id = mo.open_gate(api, org.rep, opportunity).json()["id"]
    mo.assess_all(api, org, review_id)
    request = ApprovalRequest.objects.get(kind="gate_decision", subject_id=review_id)
    results = race(
        _decide(api, org.manager, request.pk, "approve"),
        _decide(api, org.director, request.pk, "reject"),
    )
    assert sorted(status for status, _code in results) == [200, 409]
    assert [code for status, code in results if status == 409] == ["approval_not_pending"]
    review = GateReview.objects.get(pk=review_id)
    assert review.state in ("go", "stop")
    decided = ApprovalTask.objects.filter(request=request).exclude(outcome__in=["", "closed"])
    assert decided.count() == 1

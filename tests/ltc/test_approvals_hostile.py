"""Hostile chain definitions (wrong types, unhashable names, NaN, strings for lists) are a
400 with nothing saved, never a 500."""

import pytest

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "body",
    [
        {
            "kind": "write_off",
            "name": "x",
            "steps": [{"name": "a", "approver": {"type": "resolver", "name": ["x"]}}],
        },
        {
            "kind": "write_off",
            "name": "x",
            "steps": [{"name": ["a"], "approver": [], "condition": [], "mode": {}}],
        },
        {
            "kind": "write_off",
            "name": "x",
            "steps": [
                {
                    "name": "a",
                    "approver": {"type": "user", "user": "1"},
                    "condition": {"org_unit": "x", "min_amount": "NaN", "product_lines": "x"},
                    "time_limit_hours": True,
                    "escalate_to": 5,
                }
            ],
        },
        {"kind": "write_off", "name": "x", "steps": "x"},
        {"kind": "write_off", "name": "x", "steps": [1, None, "s"]},
        {"kind": "nope", "name": "", "steps": []},
    ],
)
def test_hostile_chain(org, api, body):
    r = api(org.admin).post("/api/v1/approval-chains/", body, format="json")
    assert r.status_code == 400, r.content
    from core.approvals.models import ApprovalChain

    assert not ApprovalChain.objects.exists()

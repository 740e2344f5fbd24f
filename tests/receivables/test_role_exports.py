"""Milestone exports (the collections page's CSV and the API's) hold to the export action: a
configured role that shows milestones does not export them without `milestones.export`."""

from __future__ import annotations

import pytest

from accounts.services import role_assign, role_create
from core.choices import Role, RoleScope
from tests.factories import CustomerFactory, UserFactory

from .conftest import pct_plan

pytestmark = pytest.mark.django_db
PLAN = pct_plan(("down_payment", 100, "on_signing", 0))


def _grant(org, user, code, permissions):
    role = role_create(
        by=org.admin, data={"code": code, "name_en": code.title(), "permissions": permissions}
    )
    role_assign(by=org.admin, user=user, role=role, org_unit=org.hq, scope=RoleScope.COMPANY)
    user.refresh_from_db()


def _rows(response) -> list[str]:
    return b"".join(response.streaming_content).decode("utf-8-sig").strip().splitlines()[1:]


def test_milestones_are_exported_only_with_the_export_grant(org, client, make_contract):
    make_contract(
        amount="1000.00",
        plan=PLAN,
        customer=CustomerFactory(owner=org.rep, name="Guangdong Mobile"),
    )
    auditor = UserFactory(username="auditor", role=Role.SALES_REP, org_unit=org.js_carrier)
    _grant(org, auditor, "reader", ["milestones.view", "contracts.view"])
    client.force_login(auditor)
    assert client.get("/api/v1/payment-milestones/").json()["results"]
    assert _rows(client.get("/collections/export/milestones.csv")) == []
    assert _rows(client.get("/api/v1/payment-milestones/export/")) == []
    _grant(org, auditor, "exporter", ["milestones.view", "milestones.export"])
    assert "Guangdong Mobile" in _rows(client.get("/collections/export/milestones.csv"))[0]
    assert len(_rows(client.get("/api/v1/payment-milestones/export/"))) == 1

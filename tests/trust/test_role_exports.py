"""A configured role that lets someone read records does not let them take the records out:
exports (CSV/XLSX, pages and API) hold the rows the user's built-in role exports, plus those a
configured role grants `<area>.export` for (issue 20.1's "export" action)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from accounts.services import role_assign, role_create
from core import permissions
from core.choices import Role, RoleScope
from tests.factories import CustomerFactory, LeadFactory, UserFactory

pytestmark = pytest.mark.django_db

ALL_VIEW = [f"{area}.view" for area in permissions.AREAS]


@pytest.fixture
def auditor(org):
    """A rep of the other region with a company-wide reading role, no export."""
    user = UserFactory(username="auditor", role=Role.SALES_REP, org_unit=org.js_carrier)
    reader = role_create(
        by=org.admin, data={"code": "reader", "name_en": "Reader", "permissions": ALL_VIEW}
    )
    role_assign(by=org.admin, user=user, role=reader, org_unit=org.hq, scope=RoleScope.COMPANY)
    user.refresh_from_db()
    return user


def let_export(org, user, *areas):
    role = role_create(
        by=org.admin,
        data={
            "code": "exporter",
            "name_en": "Exporter",
            "permissions": [f"{area}.{action}" for area in areas for action in ("view", "export")],
        },
    )
    role_assign(by=org.admin, user=user, role=role, org_unit=org.hq, scope=RoleScope.COMPANY)
    user.refresh_from_db()


def _csv(response) -> str:
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return body.decode("utf-8-sig")


def test_customers_read_through_a_role_are_not_exported_without_its_export(org, api, auditor):
    theirs = CustomerFactory(owner=org.rep, name="Guangdong Mobile")
    own = CustomerFactory(owner=auditor, name="Jiangsu Telecom")
    listed = api(auditor).get(reverse("customer-list")).json()["results"]
    assert {theirs.pk, own.pk} <= {row["id"] for row in listed}
    url = reverse("customer-export") + "?file_format=csv"
    exported = _csv(api(auditor).get(url))
    assert "Jiangsu Telecom" in exported and "Guangdong Mobile" not in exported
    let_export(org, auditor, "customers")
    assert "Guangdong Mobile" in _csv(api(auditor).get(url))


def test_the_lead_page_export_follows_the_same_rule(org, client, auditor):
    LeadFactory(owner=org.rep, company_name="Shenzhen Metro")
    client.force_login(auditor)
    url = reverse("leads:export") + "?file_format=csv"
    assert "Shenzhen Metro" not in _csv(client.get(url))
    let_export(org, auditor, "leads")
    assert "Shenzhen Metro" in _csv(client.get(url))


def test_an_export_grant_reaches_no_further_than_its_scope(org, api):
    """Exporting one's team's customers does not export the other region's."""
    presales = UserFactory(username="presales", role=Role.SOLUTION_MANAGER, org_unit=org.js)
    role = role_create(
        by=org.admin,
        data={
            "code": "team-exporter",
            "name_en": "Team exporter",
            "permissions": ["customers.view", "customers.export"],
        },
    )
    role_assign(
        by=org.admin, user=presales, role=role, org_unit=org.gd_carrier, scope=RoleScope.TEAM
    )
    presales.refresh_from_db()
    CustomerFactory(owner=org.rep, name="Guangdong Mobile")
    CustomerFactory(owner=org.other_region_rep, name="Jiangsu Telecom")
    exported = _csv(api(presales).get(reverse("customer-export") + "?file_format=csv"))
    assert "Guangdong Mobile" in exported and "Jiangsu Telecom" not in exported


def test_built_in_roles_export_what_they_view(org, api):
    CustomerFactory(owner=org.rep, name="Guangdong Mobile")
    CustomerFactory(owner=org.other_region_rep, name="Jiangsu Telecom")
    exported = _csv(api(org.manager).get(reverse("customer-export") + "?file_format=csv"))
    assert "Guangdong Mobile" in exported and "Jiangsu Telecom" not in exported
    everything = _csv(api(org.admin).get(reverse("customer-export") + "?file_format=csv"))
    assert "Guangdong Mobile" in everything and "Jiangsu Telecom" in everything

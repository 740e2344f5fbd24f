"""A configured role that lets someone read records does not show them the records' amounts
unless it grants `<area>.see_amounts` (issue 20.1's "see amounts"): money values are null in
the API, "—" on the pages and blank in the exports, for the rows only such a role shows; the
built-in roles see the amounts of what they view, and a user without configured roles costs
no query for it."""

from __future__ import annotations

import pytest
from django.urls import reverse

from accounts.services import role_assign, role_create
from core import policy
from core.choices import Role, RoleScope
from opportunities.models import Opportunity
from tests.factories import LeadFactory, OpportunityFactory, UserFactory

pytestmark = pytest.mark.django_db


def _grant(org, user, code, permissions, scope=RoleScope.COMPANY):
    role = role_create(
        by=org.admin, data={"code": code, "name_en": code.title(), "permissions": permissions}
    )
    role_assign(by=org.admin, user=user, role=role, org_unit=org.hq, scope=scope)
    user.refresh_from_db()


@pytest.fixture
def viewer(org):
    """A rep of the other region who reads every deal through a company-wide role."""
    user = UserFactory(username="viewer", role=Role.SALES_REP, org_unit=org.js_carrier)
    _grant(org, user, "reader", ["opportunities.view", "leads.view", "leads.export"])
    return user


@pytest.fixture
def deals(org, viewer):
    theirs = OpportunityFactory(owner=org.rep, name="Guangdong 5G core")
    own = OpportunityFactory(owner=viewer, name="Jiangsu metro")
    return theirs, own


def test_a_role_without_see_amounts_shows_other_teams_deals_without_amounts(
    org, api, viewer, deals
):
    theirs, own = deals
    client = api(viewer)
    listed = {row["id"]: row for row in client.get(reverse("opportunity-list")).json()["results"]}
    assert listed[theirs.pk]["name"] == "Guangdong 5G core"
    assert listed[theirs.pk]["amount"] is None
    assert listed[own.pk]["amount"] == "1000000.00"  # their own deal: the built-in role's
    detail = client.get(reverse("opportunity-detail", args=[theirs.pk])).json()
    assert detail["name"] == "Guangdong 5G core" and detail["amount"] is None
    assert detail["currency"] == theirs.currency  # only money is hidden

    _grant(org, viewer, "amounts", ["opportunities.see_amounts"])
    listed = {row["id"]: row for row in client.get(reverse("opportunity-list")).json()["results"]}
    assert listed[theirs.pk]["amount"] == "1000000.00"
    detail = client.get(reverse("opportunity-detail", args=[theirs.pk])).json()
    assert detail["amount"] == "1000000.00"


def test_see_amounts_reaches_only_its_scope(org, api, viewer, deals):
    theirs, _own = deals
    elsewhere = OpportunityFactory(owner=org.other_team_rep)
    _grant(org, viewer, "team-amounts", ["opportunities.see_amounts"], scope=RoleScope.TEAM)
    role = viewer.role_grants[-1]
    assert role["unit"] == org.hq.pk  # a team scope on HQ: neither deal's team
    listed = {
        row["id"]: row for row in api(viewer).get(reverse("opportunity-list")).json()["results"]
    }
    assert listed[theirs.pk]["amount"] is None and listed[elsewhere.pk]["amount"] is None


def test_the_pages_show_the_hidden_marker_instead_of_the_amount(org, client, viewer, deals):
    theirs, own = deals
    client.force_login(viewer)
    listing = client.get(reverse("opportunities:list")).content.decode()
    assert "Guangdong 5G core" in listing and "Jiangsu metro" in listing
    assert listing.count('title="Amount hidden">—') == 2  # amount and weighted amount
    page = client.get(reverse("opportunities:detail", args=[theirs.pk])).content.decode()
    assert 'title="Amount hidden">—' in page and "1,000,000.00" not in page
    own_page = client.get(reverse("opportunities:detail", args=[own.pk])).content.decode()
    assert "1,000,000.00" in own_page and "Amount hidden" not in own_page

    _grant(org, viewer, "amounts", ["opportunities.see_amounts"])
    page = client.get(reverse("opportunities:detail", args=[theirs.pk])).content.decode()
    assert "1,000,000.00" in page and "Amount hidden" not in page


def test_the_hidden_marker_reads_in_chinese(org, client, viewer, deals):
    theirs, _own = deals
    client.force_login(viewer)
    page = client.get(
        reverse("opportunities:detail", args=[theirs.pk]), HTTP_ACCEPT_LANGUAGE="zh-hans"
    ).content.decode()
    assert 'title="金额不可见">—' in page


def test_exports_blank_the_amounts_of_rows_shown_without_them(org, client, viewer):
    LeadFactory(owner=org.rep, company_name="Shenzhen Metro", estimated_amount="250000.00")
    client.force_login(viewer)
    exported = b"".join(client.get(reverse("leads:export")).streaming_content).decode()
    assert "Shenzhen Metro" in exported and "250000" not in exported
    _grant(org, viewer, "amounts", ["leads.see_amounts"])
    exported = b"".join(client.get(reverse("leads:export")).streaming_content).decode()
    assert "250000" in exported


def test_the_lead_pages_hide_the_estimated_amount(org, client, viewer):
    lead = LeadFactory(owner=org.rep, company_name="Shenzhen Metro", estimated_amount="250000.00")
    client.force_login(viewer)
    for url in (reverse("leads:list"), reverse("leads:detail", args=[lead.pk])):
        page = client.get(url).content.decode().split('id="timeline"')[0]
        assert "Shenzhen Metro" in page and "250,000.00" not in page, url
        assert 'title="Amount hidden">—' in page, url
    _grant(org, viewer, "amounts", ["leads.see_amounts"])
    page = client.get(reverse("leads:detail", args=[lead.pk])).content.decode()
    assert "250,000.00" in page


def test_built_in_roles_see_the_amounts_of_what_they_view(org, api, deals):
    theirs, _own = deals
    for user in (org.rep, org.teammate, org.manager, org.director, org.admin):
        detail = api(user).get(reverse("opportunity-detail", args=[theirs.pk])).json()
        assert detail["amount"] == "1000000.00", user


def test_no_query_for_a_user_without_configured_roles(org, django_assert_num_queries):
    OpportunityFactory(owner=org.rep)
    queryset = Opportunity.objects.all()
    with django_assert_num_queries(0):
        assert policy.amount_visible_ids(queryset, org.rep, [1, 2, 3]) is None
        assert policy.with_amounts_shown(queryset, org.manager) == (queryset, False)


def test_a_list_costs_no_extra_query_without_configured_roles(org, api, django_assert_num_queries):
    OpportunityFactory(owner=org.rep)
    client = api(org.rep)
    url = reverse("opportunity-list")
    client.get(url)  # warm the caches
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as baseline:
        client.get(url)
    # The same list, with a role that grants nothing on deals: no amounts query either.
    _grant(org, org.rep, "leads-reader", ["leads.view"])
    with django_assert_num_queries(len(baseline.captured_queries)):
        client.get(url)

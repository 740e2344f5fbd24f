"""A record whose amounts the reader may not see (a configured role without
`<area>.see_amounts`) keeps them out of its timeline too: the sentences on its page and in the
API read "—", and the API's raw diff has its money fields null."""

from __future__ import annotations

import pytest
from django.urls import reverse

from accounts.services import role_assign, role_create
from core.choices import Role, RoleScope
from tests.factories import OpportunityFactory, UserFactory

pytestmark = pytest.mark.django_db

AMOUNT = "1,234,567.00"


def _grant(org, user, code, permissions):
    role = role_create(
        by=org.admin, data={"code": code, "name_en": code.title(), "permissions": permissions}
    )
    role_assign(by=org.admin, user=user, role=role, org_unit=org.hq, scope=RoleScope.COMPANY)
    user.refresh_from_db()


@pytest.fixture
def deal(org, api):
    deal = OpportunityFactory(owner=org.rep, name="Guangdong 5G core")
    changed = api(org.rep).patch(
        reverse("opportunity-detail", args=[deal.pk]), {"amount": "1234567.00"}, format="json"
    )
    assert changed.status_code == 200, changed.json()
    return deal


@pytest.fixture
def viewer(org):
    user = UserFactory(username="viewer", role=Role.SALES_REP, org_unit=org.js_carrier)
    _grant(org, user, "reader", ["opportunities.view"])
    return user


def test_the_timeline_hides_the_amounts_the_reader_may_not_see(org, api, client, deal, viewer):
    url = reverse("opportunity-timeline", args=[deal.pk])
    events = api(viewer).get(url).json()
    changed = next(e for e in events if e["action"] == "updated")
    assert changed["changes"]["amount"] is None
    assert AMOUNT not in str(events)
    client.force_login(viewer)
    assert AMOUNT not in client.get(deal.get_absolute_url()).content.decode()

    _grant(org, viewer, "amounts", ["opportunities.see_amounts"])
    events = api(viewer).get(url).json()
    assert AMOUNT in str(events)
    assert AMOUNT in client.get(deal.get_absolute_url()).content.decode()


def test_the_owner_reads_the_amounts_in_the_timeline(org, api, client, deal):
    assert AMOUNT in str(api(org.rep).get(reverse("opportunity-timeline", args=[deal.pk])).json())
    client.force_login(org.rep)
    assert AMOUNT in client.get(deal.get_absolute_url()).content.decode()

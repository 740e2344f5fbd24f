"""A lead in verification says on its page what verifying still needs (the verify
transition's own guards) and lets whoever may change it confirm the items right there."""

import re

import pytest

from leads.choices import LeadState
from leads.models import Lead
from leads.services import lead_qualification_policy_set
from tests.factories import LeadFactory

pytestmark = pytest.mark.django_db


def _verifying(org, **fields):
    return LeadFactory(owner=org.rep, state=LeadState.VERIFYING, **fields)


def test_the_page_names_what_is_missing_and_offers_only_those_items(org, client):
    lead = _verifying(org, need_confirmed=True)
    client.force_login(org.rep)
    page = client.get(f"/leads/{lead.pk}/").content.decode()
    assert 'id="verification-missing"' in page
    assert "The budget must be confirmed." in page
    assert "The customer&#x27;s need must be confirmed." not in page
    assert 'name="verify-budget_confirmed"' in page
    assert 'name="verify-budget_amount"' in page
    assert 'name="verify-authority_identified"' in page
    assert 'name="verify-need_confirmed"' not in page  # already confirmed
    assert "/transitions/verify/" not in page  # not offered yet


def test_the_list_follows_the_units_qualification_policy(org, client):
    lead_qualification_policy_set(
        by=org.admin,
        org_unit=org.gd_carrier,
        require_budget=False,
        require_authority=False,
        require_timeline=False,
    )
    lead = _verifying(org)
    client.force_login(org.rep)
    page = client.get(f"/leads/{lead.pk}/").content.decode()
    assert 'name="verify-need_confirmed"' in page
    assert 'name="verify-budget_confirmed"' not in page
    assert 'name="verify-timeline_confirmed"' not in page


def test_filling_the_items_makes_verify_available(org, client):
    lead = _verifying(org)
    client.force_login(org.rep)
    response = client.post(
        f"/leads/{lead.pk}/verification/",
        {
            "verify-budget_confirmed": "on",
            "verify-budget_amount": "12,500,000",
            "verify-authority_identified": "on",
            "verify-need_confirmed": "on",
            "verify-timeline_confirmed": "on",
        },
    )
    assert response.status_code == 302
    lead = Lead.objects.get(pk=lead.pk)
    assert lead.budget_confirmed and lead.timeline_confirmed and lead.state == "verifying"
    assert str(lead.budget_amount) == "12500000.00"
    page = client.get(f"/leads/{lead.pk}/").content.decode()
    assert 'id="verification-missing"' not in page
    assert f"/leads/{lead.pk}/transitions/verify/" in page


def test_save_and_verify_verifies_in_one_step(org, client):
    lead = _verifying(org, budget_confirmed=True, authority_identified=True)
    client.force_login(org.rep)
    client.post(
        f"/leads/{lead.pk}/verification/",
        {"verify-need_confirmed": "on", "verify-timeline_confirmed": "on", "then": "verify"},
    )
    assert Lead.objects.get(pk=lead.pk).state == LeadState.VERIFIED


def test_verify_with_items_still_missing_says_which(org, client):
    lead = _verifying(org)
    client.force_login(org.rep)
    response = client.post(
        f"/leads/{lead.pk}/verification/",
        {"verify-need_confirmed": "on", "then": "verify"},
        follow=True,
    )
    lead = Lead.objects.get(pk=lead.pk)
    assert lead.need_confirmed and lead.state == LeadState.VERIFYING
    assert "The budget must be confirmed." in response.content.decode()


def test_nothing_ticked_is_a_form_error_on_the_page(org, client):
    lead = _verifying(org)
    client.force_login(org.rep)
    response = client.post(f"/leads/{lead.pk}/verification/", {})
    assert response.status_code == 200
    assert "Tick what the customer has confirmed." in response.content.decode()


def test_someone_who_may_not_change_the_lead_gets_no_form(org, client):
    lead = _verifying(org)
    client.force_login(org.finance)
    if client.get(f"/leads/{lead.pk}/").status_code == 200:
        page = client.get(f"/leads/{lead.pk}/").content.decode()
        assert 'id="verification-form"' not in page
    response = client.post(f"/leads/{lead.pk}/verification/", {"verify-need_confirmed": "on"})
    assert response.status_code in (403, 404)
    assert not Lead.objects.get(pk=lead.pk).need_confirmed


def test_the_items_come_back_in_chinese(org, client):
    lead = _verifying(org)
    org.rep.language = "zh-hans"
    org.rep.save()
    client.force_login(org.rep)
    page = client.get(f"/leads/{lead.pk}/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "Still missing" not in page and "Save and mark verified" not in page


def test_the_page_asks_exactly_what_the_api_refuses_verify_for(org, client, api):
    lead = _verifying(org, authority_identified=True)
    refused = api(org.rep).post(f"/api/v1/leads/{lead.pk}/transitions/verify/", {}, format="json")
    assert refused.status_code == 409
    fields = set(refused.json()["fields"])
    assert fields == {"budget_confirmed", "need_confirmed", "timeline_confirmed"}
    client.force_login(org.rep)
    page = client.get(f"/leads/{lead.pk}/").content.decode()
    asked = {name for name in re.findall(r'name="verify-(\w+)"', page)} - {"budget_amount"}
    assert asked == fields
    client.post(f"/leads/{lead.pk}/verification/", {f"verify-{name}": "on" for name in asked})
    done = api(org.rep).post(f"/api/v1/leads/{lead.pk}/transitions/verify/", {}, format="json")
    assert done.status_code == 200 and done.json()["state"] == LeadState.VERIFIED

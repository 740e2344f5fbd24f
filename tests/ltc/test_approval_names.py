"""The names of approval chains and steps in the reader's language (issue 20.3): a default
chain (the system named it, in English msgids) reads in Chinese for a Chinese reader on the
chain page, the request page, the API and the notifications; a name an administrator typed is
their own words, shown as typed."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone, translation

from core.approvals.chains import chain_define, chain_for, chain_update
from core.approvals.models import ApprovalChain, ApprovalRequest, ApprovalTask
from core.approvals.reminders import approvals_scan
from core.models import Notification
from tests.opportunities import conftest as mo
from tests.opportunities.conftest import create_quote, line

pytestmark = pytest.mark.django_db

opportunity = mo.opportunity
products = mo.products

PRICING = {"type": "resolver", "name": "opportunities.pricing_approvers"}


def submit_special_price(api, org, opportunity, products):
    quote = create_quote(api, org.rep, opportunity, [line(products["router"], "1", "30")]).json()
    response = api(org.rep).post(
        f"/api/v1/quotes/{quote['id']}/submit/", {"justification": "Price war"}, format="json"
    )
    assert response.status_code == 200, response.json()
    return ApprovalRequest.objects.get(subject_id=quote["id"])


def chinese(user):
    user.language = "zh-hans"
    user.save(update_fields=["language"])
    return user


def test_a_default_chain_reads_in_chinese_on_the_pages_and_the_api(
    org, api, browser_client, opportunity, products
):
    request = submit_special_price(api, org, opportunity, products)
    assert request.current_step.name == "Pricing approver"  # stored as the msgid
    client = browser_client(chinese(org.manager))

    chains = browser_client(chinese(org.admin)).get("/settings/approval-chains/").content.decode()
    assert "定价审批人" in chains and "Pricing approver" not in chains
    assert "特价" in chains and "Special price" not in chains
    page = client.get(request.get_absolute_url()).content.decode()
    assert "定价审批人" in page and "Pricing approver" not in page

    zh = api(org.manager).get(f"/api/v1/approvals/{request.pk}/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert zh.json()["current_step_name"] == "定价审批人"
    en = api(org.rep).get(f"/api/v1/approvals/{request.pk}/", HTTP_ACCEPT_LANGUAGE="en")
    assert en.json()["current_step_name"] == "Pricing approver"


def test_a_reminder_names_the_default_step_in_the_readers_language(org, api, opportunity, products):
    chain = ApprovalChain.objects.get(pk=chain_for("special_price").pk)
    chain_update(
        chain=chain,
        by=org.admin,
        name=chain.name,
        steps=[{"name": "Pricing approver", "approver": PRICING, "time_limit_hours": 4}],
    )
    request = submit_special_price(api, org, opportunity, products)
    ApprovalTask.objects.filter(request=request).update(
        created_at=timezone.now() - dt.timedelta(hours=3)
    )
    assert approvals_scan()["reminders"] == 1
    reminder = Notification.objects.get(kind="approval.reminder", recipient=org.manager)
    with translation.override("zh-hans"):
        assert "定价审批人" in reminder.display_body
    with translation.override("en"):
        assert "Pricing approver" in reminder.display_body


def test_names_an_administrator_typed_are_shown_as_typed(org, browser_client):
    chain_define(
        kind="write_off",
        name="Regional CFO sign-off",
        steps=[
            {
                "name": "财务总监审批",
                "approver": {"type": "role", "role": "finance", "level": "any"},
            }
        ],
        by=org.admin,
    )
    zh = browser_client(chinese(org.admin)).get("/settings/approval-chains/").content.decode()
    assert "财务总监审批" in zh and "Regional CFO sign-off" in zh

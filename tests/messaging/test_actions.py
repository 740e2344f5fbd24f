"""Deciding from a chat message (ADR 24): the message carries a signed, single-use,
short-lived link; the page asks for a sign-in without a session, decides only on POST through
the same engine as the app, and answers a used, expired, foreign or forged link with a clear
page, never a 500."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from urllib.parse import urlparse

import pytest
from django.utils import timezone

from core.approvals.models import ApprovalRequest
from messaging.actions import link_make
from messaging.models import ActionLink
from opportunities.models import PricingRule, Quote
from tests.opportunities.conftest import (
    advance,
    assess_all,
    create_quote,
    line,
    open_gate,
    reload,
)

pytestmark = pytest.mark.django_db


def state(quote) -> str:
    return Quote.objects.get(pk=quote.pk).state


def button_path(vendor) -> str:
    """The path of the link on the Feishu card's button."""
    [sent] = vendor.sent("/feishu/hook/")
    actions = [e for e in sent["body"]["card"]["elements"] if e["tag"] == "action"]
    return urlparse(actions[0]["actions"][0]["url"]).path


@pytest.fixture
def special_price(
    org, api, opportunity, products, make_channel, django_capture_on_commit_callbacks
):
    """The rep asks for a special price; the manager's Feishu message carries the link."""
    make_channel("feishu_bot")
    PricingRule.objects.create(org_unit=org.gd, role="sales_rep", max_discount_pct=Decimal("5"))
    quote = create_quote(api, org.rep, opportunity, [line(products["router"], "10", "20")]).json()
    with django_capture_on_commit_callbacks(execute=True):
        submitted = api(org.rep).post(
            f"/api/v1/quotes/{quote['id']}/submit/", {"justification": "Competitor"}, format="json"
        )
    assert submitted.json()["state"] == "pending_approval"
    return Quote.objects.get(pk=quote["id"])


def test_the_manager_approves_a_special_price_from_the_message(client, org, vendor, special_price):
    path = button_path(vendor)
    assert path.startswith("/messages/act/")

    anonymous = client.get(path)  # the link alone signs nobody in
    assert anonymous.status_code == 302 and anonymous["Location"].startswith("/login/?next=")

    client.force_login(org.manager)
    page = client.get(path)
    assert page.status_code == 200
    assert (
        special_price.number in page.content.decode() or str(special_price) in page.content.decode()
    )
    assert state(special_price) == "pending_approval"  # a GET decides nothing

    empty = client.post(path, {"decision": "reject"})  # a rejection says why
    assert empty.status_code == 200 and "Say why" in empty.content.decode()
    assert state(special_price) == "pending_approval"
    assert ActionLink.objects.get().used_at is None  # a refused decision keeps the link

    done = client.post(path, {"decision": "approve", "comment": "Strategic"})
    assert done.status_code == 200, done.content.decode()[:400]
    assert state(special_price) == "approved"
    assert ApprovalRequest.objects.get().state == "approved"

    replay = client.post(path, {"decision": "approve"})
    assert replay.status_code == 410 and "used already" in replay.content.decode()
    assert client.get(path).status_code == 410


def test_someone_else_signed_in_gets_a_403_page_and_decides_nothing(
    client, org, vendor, special_price
):
    path = button_path(vendor)
    client.force_login(org.teammate)
    assert client.get(path).status_code == 403
    assert client.post(path, {"decision": "approve"}).status_code == 403
    assert state(special_price) == "pending_approval"
    assert ActionLink.objects.get().used_at is None


def test_an_expired_or_forged_link_is_a_clear_page(client, org, special_price, vendor):
    path = button_path(vendor)
    ActionLink.objects.update(expires_at=timezone.now() - dt.timedelta(minutes=1))
    client.force_login(org.manager)
    expired = client.post(path, {"decision": "approve"})
    assert expired.status_code == 410 and "expired" in expired.content.decode()
    assert state(special_price) == "pending_approval"
    forged = path.rstrip("/")[:-4] + "abcd/"
    assert client.get(forged).status_code == 404
    assert client.get("/messages/act/nonsense/").status_code == 404


def test_the_same_permission_checks_as_the_app_apply(client, org, special_price):
    """A link made out to someone the engine does not wait for decides nothing."""
    request = ApprovalRequest.objects.get()
    path = link_make(user=org.finance, kind="approval", object_id=request.pk)
    client.force_login(org.finance)
    refused = client.post(path, {"decision": "approve"})
    assert refused.status_code == 200 and "does not wait for you" in refused.content.decode()
    assert state(special_price) == "pending_approval"
    assert ActionLink.objects.get(user=org.finance).used_at is None


def test_a_gate_is_decided_go_from_the_message(
    client,
    org,
    api,
    opportunity,
    make_channel,
    django_capture_on_commit_callbacks,
    vendor,
):
    make_channel("feishu_bot")
    advance(api, org, opportunity, "identified")
    review = open_gate(api, org.rep, opportunity, "ati").json()
    with django_capture_on_commit_callbacks(execute=True):
        assess_all(api, org, review["id"], "ati")
    path = button_path(vendor)  # gate.ready to the manager
    client.force_login(org.manager)
    assert client.get(path).status_code == 200
    done = client.post(path, {"decision": "go", "comment": "Go ahead"})
    assert done.status_code == 200, done.content.decode()[:400]
    assert reload(opportunity).state == "initiated"

"""Webhooks: events from real transitions through the API, signed with HMAC-SHA256, retried
with exponential backoff, given up after the last attempt, logged, and replayed; a
subscription is sent only what its user may see."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import threading
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from integrations.models import WebhookDelivery
from integrations.services import publish_milestone_events
from integrations.webhooks import MAX_ATTEMPTS, RETRY_BASE_SECONDS
from receivables.reminders import scan
from tests.factories import OpportunityFactory, team
from tests.opportunities.conftest import pass_gate
from tests.receivables.conftest import TODAY, pct_plan

pytestmark = pytest.mark.django_db


class Receiver:
    """A real HTTP endpoint on localhost that records what it is sent and answers with the
    queued statuses (then 200)."""

    def __init__(self):
        self.received: list[dict] = []
        self.statuses: list[int] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.received.append({"headers": self.headers, "body": body})
                status = receiver.statuses.pop(0) if receiver.statuses else 200
                self.send_response(status)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hooks"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def events(self) -> list[str]:
        return [json.loads(r["body"])["event"] for r in self.received]


@pytest.fixture
def receiver():
    made = Receiver()
    yield made
    made.server.shutdown()
    made.server.server_close()


@pytest.fixture
def opportunity(org):
    return OpportunityFactory(
        owner=org.rep,
        team=team(ar=org.rep, sr=org.sr, fr=org.fr),
        amount=Decimal("1000000"),
        margin_pct=Decimal("30"),
        down_payment_pct=Decimal("30"),
    )


@pytest.fixture
def subscribe(org, api, receiver):
    def make(events=("gate.decided",), user=None, url=None):
        response = api(org.admin).post(
            "/api/v1/webhook-subscriptions/",
            {
                "name": "ERP",
                "url": url or receiver.url,
                "events": list(events),
                "user": (user or org.admin).pk,
            },
        )
        assert response.status_code == 201, response.json()
        return response.json()

    return make


def verify(secret: str, request: dict) -> bool:
    """What a receiver does: recompute the signature over the timestamp and the raw body."""
    parts = dict(p.split("=", 1) for p in request["headers"]["X-LTC-Signature"].split(","))
    signed = f"{parts['t']}.".encode() + request["body"]
    expected = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, parts["v1"])


def test_a_gate_decided_through_the_api_is_delivered_signed(
    org, api, opportunity, receiver, subscribe, django_capture_on_commit_callbacks
):
    subscription = subscribe(events=["gate.decided", "opportunity.stage_changed"])
    with django_capture_on_commit_callbacks(execute=True):
        pass_gate(api, org, opportunity, "ati")

    assert sorted(receiver.events()) == ["gate.decided", "opportunity.stage_changed"]
    for request in receiver.received:
        assert verify(subscription["secret"], request)
        assert not verify("another-secret", request)
    decided = next(json.loads(r["body"]) for r in receiver.received if b"gate.decided" in r["body"])
    assert decided["data"]["decision"] == "go"
    assert decided["data"]["review"]["gate"] == "ati"
    assert decided["data"]["subject"] == {
        "type": "opportunities.opportunity",
        "id": opportunity.pk,
        "number": opportunity.number,
        "state": "initiated",
    }
    log = api(org.admin).get("/api/v1/webhook-deliveries/?event__name=gate.decided").json()
    [delivery] = log["results"]
    assert delivery["state"] == "delivered" and delivery["attempts"] == 1
    assert delivery["payload"] == decided


def test_a_failing_receiver_is_retried_with_exponential_backoff(
    org, api, opportunity, receiver, subscribe, django_capture_on_commit_callbacks
):
    subscribe()
    receiver.statuses = [500, 503]
    with django_capture_on_commit_callbacks(execute=True):
        pass_gate(api, org, opportunity, "ati")

    assert receiver.events() == ["gate.decided"] * 3
    bodies = {r["body"] for r in receiver.received}
    assert len(bodies) == 1  # the same event each time
    delivery = WebhookDelivery.objects.get()
    assert delivery.state == "delivered" and delivery.attempts == 3
    assert [entry["status"] for entry in delivery.log] == [500, 503, 200]
    assert [entry.get("retry_in") for entry in delivery.log] == [
        RETRY_BASE_SECONDS,
        RETRY_BASE_SECONDS * 2,
        None,
    ]


def test_delivery_gives_up_after_the_last_attempt_and_a_replay_resends(
    org, api, opportunity, receiver, subscribe, django_capture_on_commit_callbacks
):
    subscribe()
    receiver.statuses = [500] * MAX_ATTEMPTS
    with django_capture_on_commit_callbacks(execute=True):
        pass_gate(api, org, opportunity, "ati")

    failed = WebhookDelivery.objects.get()
    assert failed.state == "failed" and failed.attempts == MAX_ATTEMPTS
    assert len(receiver.received) == MAX_ATTEMPTS
    assert failed.log[-1] == {**failed.log[-1], "status": 500}
    assert "retry_in" not in failed.log[-1]
    assert failed.log[-2]["retry_in"] == RETRY_BASE_SECONDS * 2 ** (MAX_ATTEMPTS - 2)

    assert (
        api(org.manager).post(f"/api/v1/webhook-deliveries/{failed.pk}/replay/").status_code == 403
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = api(org.admin).post(f"/api/v1/webhook-deliveries/{failed.pk}/replay/")
    assert response.status_code == 202
    replay = WebhookDelivery.objects.get(replay_of=failed)
    assert replay.state == "delivered" and replay.attempts == 1
    assert receiver.received[-1]["body"] == receiver.received[0]["body"]
    assert WebhookDelivery.objects.get(pk=failed.pk).state == "failed"  # the log keeps it


def test_an_unreachable_receiver_is_logged(
    org, api, opportunity, subscribe, django_capture_on_commit_callbacks
):
    subscribe(url="http://127.0.0.1:9/nothing-listens-here")
    with django_capture_on_commit_callbacks(execute=True):
        pass_gate(api, org, opportunity, "ati")
    delivery = WebhookDelivery.objects.get()
    assert delivery.state == "failed" and delivery.last_status is None
    assert "Error" in delivery.last_error


def test_a_subscription_is_sent_only_what_its_user_may_see(
    org, api, opportunity, receiver, subscribe, django_capture_on_commit_callbacks
):
    subscribe(user=org.other_region_rep)
    mine = subscribe(user=org.manager)
    with django_capture_on_commit_callbacks(execute=True):
        pass_gate(api, org, opportunity, "ati")
    assert receiver.events() == ["gate.decided"]
    assert WebhookDelivery.objects.get().subscription_id == mine["id"]


def test_only_admins_manage_subscriptions(org, api, receiver):
    payload = {"name": "x", "url": receiver.url, "events": ["gate.decided"], "user": org.rep.pk}
    assert api(org.manager).post("/api/v1/webhook-subscriptions/", payload).status_code == 403
    bad = api(org.admin).post("/api/v1/webhook-subscriptions/", {**payload, "events": ["nope"]})
    assert bad.status_code == 400 and "events.0" in bad.json()["fields"]


def test_milestones_due_and_overdue_are_announced_once(
    org, make_contract, receiver, subscribe, django_capture_on_commit_callbacks
):
    subscribe(events=["milestone.due", "milestone.overdue", "contract.signed"], user=org.rep)
    with django_capture_on_commit_callbacks(execute=True):
        contract = make_contract(
            amount="1000.00", plan=pct_plan(("down_payment", 100, "on_signing", 0))
        )
    assert receiver.events() == ["contract.signed"]
    today = TODAY()
    for day in (today, today, today + dt.timedelta(days=1)):
        scan(today=day)  # the collections ladder claims "due", then "overdue_1"
        with django_capture_on_commit_callbacks(execute=True):
            publish_milestone_events(today=day)
            publish_milestone_events(today=day)
    assert receiver.events() == ["contract.signed", "milestone.due", "milestone.overdue"]
    overdue = json.loads(receiver.received[-1]["body"])["data"]
    assert overdue["contract"]["number"] == contract.number
    assert overdue["outstanding"] == "1000.00" and overdue["days_overdue"] == 1

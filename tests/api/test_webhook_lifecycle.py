"""A webhook delivery's lifecycle (issue 18.3, ADR 3): pending → delivered / failed (pending →
pending per retry), declared once (`WebhookDelivery.moves`), each attempt recorded by a
compare-and-set so two runs of the same attempt record it once, and a delivery that failed for
good audited on its subscription."""

from __future__ import annotations

import pytest
from django.utils import translation

from core.audit import timeline
from core.errors import TransitionNotAllowed
from core.timeline import describe
from integrations import services
from integrations.models import WebhookDelivery, WebhookEvent, WebhookSubscription
from integrations.tasks import deliver_webhook
from integrations.webhooks import MAX_ATTEMPTS
from tests.api.test_webhooks import receiver, subscribe  # noqa: F401  (fixtures)

pytestmark = pytest.mark.django_db


@pytest.fixture
def delivery(subscribe):  # noqa: F811
    subscription = WebhookSubscription.objects.get(pk=subscribe()["id"])
    event = WebhookEvent.objects.create(name="gate.decided", payload={"event": "gate.decided"})
    return WebhookDelivery.objects.create(event=event, subscription=subscription)


def test_the_moves_are_declared_once():
    assert {s: set(t) for s, t in WebhookDelivery.moves.moves.items()} == {
        "pending": {"pending", "delivered", "failed"}
    }


def test_a_delivered_attempt_is_logged_not_audited(delivery, receiver):  # noqa: F811
    deliver_webhook.apply(args=[delivery.pk])
    delivery.refresh_from_db()
    assert delivery.state == "delivered" and delivery.attempts == 1
    assert not timeline(delivery.subscription).filter(action="webhook.delivery_failed")


def test_a_delivery_that_failed_for_good_is_audited_on_its_subscription(
    delivery,
    receiver,  # noqa: F811
):
    receiver.statuses = [500] * MAX_ATTEMPTS
    deliver_webhook.apply(args=[delivery.pk])
    delivery.refresh_from_db()
    assert delivery.state == "failed" and delivery.attempts == MAX_ATTEMPTS
    events = timeline(delivery.subscription).filter(action="webhook.delivery_failed")
    assert events.count() == 1  # not one per attempt
    event = events.get()
    assert (event.from_state, event.to_state, event.comment) == ("pending", "failed", "HTTP 500")
    assert event.changes == {
        "delivery": delivery.pk,
        "event": "gate.decided",
        "attempts": MAX_ATTEMPTS,
        "is_active": True,
    }
    assert describe(event)["title"] == "Webhook delivery failed for good by the system."
    with translation.override("zh-hans"):
        assert describe(event)["title"] == "系统：Webhook 投递最终失败。"


def test_a_disabled_subscription_fails_at_once_and_says_so(delivery, receiver):  # noqa: F811
    WebhookSubscription.objects.filter(pk=delivery.subscription_id).update(is_active=False)
    receiver.statuses = [500]
    deliver_webhook.apply(args=[delivery.pk])
    delivery.refresh_from_db()
    assert delivery.state == "failed" and delivery.attempts == 1
    event = timeline(delivery.subscription).get(action="webhook.delivery_failed")
    assert event.changes["is_active"] is False


def test_two_runs_of_the_same_attempt_record_it_once(delivery, receiver, monkeypatch):  # noqa: F811
    post = services._post
    calls = []

    def racing_post(url, body, headers):
        calls.append(url)
        if len(calls) == 1:  # while the first run waits for the receiver, a second run goes
            assert services.delivery_attempt(delivery.pk) is None
        return post(url, body, headers)

    monkeypatch.setattr(services, "_post", racing_post)
    assert services.delivery_attempt(delivery.pk) is None  # the loser stops: no retry scheduled
    delivery.refresh_from_db()
    assert delivery.state == "delivered"
    assert delivery.attempts == 1 and len(delivery.log) == 1


def test_a_finished_delivery_does_not_move_again(delivery, receiver):  # noqa: F811
    deliver_webhook.apply(args=[delivery.pk])
    delivery.refresh_from_db()
    assert services.delivery_attempt(delivery.pk) is None
    assert len(receiver.received) == 1
    with pytest.raises(TransitionNotAllowed):
        WebhookDelivery.moves.move(delivery, "pending", source="delivered")
    with pytest.raises(TransitionNotAllowed):
        WebhookDelivery.moves.move(delivery, "delivered", source="failed")
    assert WebhookDelivery.moves.move(delivery, "failed") is False  # no longer pending
    assert WebhookDelivery.objects.get(pk=delivery.pk).state == "delivered"

"""Redis down: the web app keeps serving and no webhook or reminder is lost (ADR 10).

The broker is pointed at a dead port (see conftest), not by stopping the shared Redis. The
request (or the reminder scan) writes its task to the outbox in its own transaction; the
publish after commit fails at once and the row stays unsent; `manage.py flush_outbox` (also a
beat task) sends it when the broker is back: into this run's Redis (REDIS_URL, as in CI) or,
without one, in-process. A second flush sends nothing.
"""

from __future__ import annotations

import datetime as dt
import json
from io import StringIO

import pytest
from django.conf import settings
from django.core import mail
from django.core.management import call_command

from core.models import OutboxMessage
from integrations.models import DeliveryState, WebhookDelivery
from ltc.queues import DEFAULT_QUEUE, QUEUES
from receivables.models import Receipt
from receivables.tasks import scan_payment_milestones
from tests.receivables.conftest import TODAY, pct_plan

pytestmark = pytest.mark.django_db(transaction=True)

WEBHOOK_TASK = "integrations.tasks.deliver_webhook"
EMAIL_TASK = "ltc.tasks.send_notification_emails"


def flush() -> int:
    out = StringIO()
    call_command("flush_outbox", stdout=out)
    return int(out.getvalue().split()[1])


def unsent(task_name: str) -> list[OutboxMessage]:
    return list(OutboxMessage.objects.filter(task_name=task_name, sent_at__isnull=True))


def queued(task_id: str) -> int:
    """How many messages with this task id wait in this run's Redis queues (each task goes to
    the queue of its workload, ltc/queues.py); removes them (no worker consumes these queues in
    the tests)."""
    import redis

    client = redis.Redis.from_url(settings.REDIS_URL)
    found = 0
    for queue in (*QUEUES, DEFAULT_QUEUE):
        for raw in client.lrange(queue, 0, -1):
            if json.loads(raw)["headers"]["id"] == task_id:
                found += client.lrem(queue, 0, raw)
    return found


def test_a_webhook_asked_for_while_redis_is_down_is_sent_once_when_it_is_back(
    org, api, receiver, broker, make_contract
):
    subscribed = api(org.admin).post(
        "/api/v1/webhook-subscriptions/",
        {"name": "ERP", "url": receiver.url, "events": ["receipt.recorded"], "user": org.admin.pk},
        format="json",
    )
    assert subscribed.status_code == 201, subscribed.json()
    contract = make_contract(
        amount="1000.00", plan=pct_plan(("down_payment", 100, "on_signing", 0))
    )

    broker.down()
    response = api(org.finance).post(
        "/api/v1/receipts/",
        {
            "contract": contract.pk,
            "amount": "250.00",
            "received_on": str(TODAY()),
            "method": "bank_transfer",
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert Receipt.objects.filter(pk=response.json()["id"]).exists()
    (message,) = unsent(WEBHOOK_TASK)
    delivery = WebhookDelivery.objects.get()
    assert message.args == [delivery.pk] and message.attempts == 1
    assert "127.0.0.1:1" in message.last_error or "refused" in message.last_error.lower()
    assert delivery.state == DeliveryState.PENDING and receiver.received == []
    assert flush() == 0, "the broker is still down: nothing is sent, nothing is lost"
    assert unsent(WEBHOOK_TASK)

    broker.back()
    assert flush() >= 1
    assert not unsent(WEBHOOK_TASK)
    if broker.real:
        assert queued(message.task_id) == 1
    else:
        delivery.refresh_from_db()
        assert delivery.state == DeliveryState.DELIVERED and len(receiver.received) == 1

    assert flush() == 0
    if broker.real:
        assert queued(message.task_id) == 0
    else:
        assert len(receiver.received) == 1


def test_reminder_e_mails_queued_while_redis_is_down_go_out_once_it_is_back(
    org, broker, make_contract
):
    make_contract(amount="1000.00", plan=pct_plan(("down_payment", 100, "on_signing", 0)))
    mail.outbox.clear()

    broker.down()
    scan_payment_milestones.apply(kwargs={"today": str(TODAY() + dt.timedelta(days=1))})
    (message,) = unsent(EMAIL_TASK)
    assert mail.outbox == []

    broker.back()
    assert flush() == 1
    if broker.real:
        assert queued(message.task_id) == 1
    else:
        assert [m.to for m in mail.outbox] == [[org.rep.email]]
        assert "overdue" in mail.outbox[0].subject

    assert flush() == 0
    if broker.real:
        assert queued(message.task_id) == 0
    else:
        assert len(mail.outbox) == 1


def test_with_redis_up_the_task_is_published_at_once_and_the_row_marked_sent(
    org, broker, make_contract
):
    """No outage: the outbox row is sent right after the commit; the flush finds nothing."""
    broker.back()
    if not broker.real:
        pytest.skip("in-process tasks (no REDIS_URL) run without an outbox row")
    make_contract(amount="1000.00", plan=pct_plan(("down_payment", 100, "on_signing", 0)))
    scan_payment_milestones.apply(kwargs={"today": str(TODAY() + dt.timedelta(days=1))})
    (message,) = OutboxMessage.objects.filter(task_name=EMAIL_TASK)
    assert message.sent_at is not None and message.attempts == 1
    assert queued(message.task_id) == 1
    assert flush() == 0


def test_operators_see_the_outbox_in_the_admin_but_cannot_alter_it(client, org):
    message = OutboxMessage.objects.create(
        task_name=WEBHOOK_TASK, task_id="00000000-0000-0000-0000-000000000001", args=[1]
    )
    client.force_login(org.admin)
    listed = client.get("/admin/ltc/outboxmessage/?sent_at__isnull=True")
    assert listed.status_code == 200 and WEBHOOK_TASK in listed.content.decode()
    assert client.get("/admin/ltc/outboxmessage/add/").status_code == 403
    client.post(f"/admin/ltc/outboxmessage/{message.pk}/change/", {"task_name": "x"})
    client.post(f"/admin/ltc/outboxmessage/{message.pk}/delete/", {"post": "yes"})
    message.refresh_from_db()
    assert message.task_name == WEBHOOK_TASK

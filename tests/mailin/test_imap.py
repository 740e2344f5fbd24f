"""E-mail in (issue 22.5) against a real IMAP server started by the test (Dovecot): the beat
job turns each unread message into a lead exactly once, marks it read only after the commit,
survives broken messages and a mailbox it cannot open."""

from __future__ import annotations

import imaplib
from unittest import mock

import pytest

from leads.choices import LeadSource
from leads.models import Lead
from leads.services import capture_source_create
from mailin import imap
from mailin.models import InboundMessage, Mailbox

from .imap_server import dovecot
from .messages import broken_charset, message

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def server():
    with dovecot() as running:
        yield running


def connect(server) -> imaplib.IMAP4:
    client = imaplib.IMAP4(server.host, server.port, timeout=10)
    client.login(server.user, server.password)
    return client


def deliver(server, *raws: bytes, folder: str = "INBOX") -> None:
    client = connect(server)
    for raw in raws:
        client.append(folder, None, None, raw)
    client.logout()


def unseen(server, folder: str = "INBOX") -> int:
    client = connect(server)
    client.select(folder)
    _status, data = client.uid("SEARCH", None, "UNSEEN")
    client.logout()
    return len((data[0] or b"").split())


@pytest.fixture
def mailbox(server, org):
    client = connect(server)  # every test starts from an empty inbox
    _status, count = client.select("INBOX")
    if int(count[0]):
        client.store("1:*", "+FLAGS", "(\\Deleted)")
        client.expunge()
    client.logout()
    source, _key = capture_source_create(by=org.admin, name="Sales mailbox", org_unit=org.gd)
    return Mailbox.objects.create(
        name="sales@",
        host=server.host,
        port=server.port,
        use_ssl=False,
        username=server.user,
        password=server.password,
        source=source,
    )


def run_job(api, org, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = api(org.admin).post("/api/v1/jobs/mailin-poll/run/")
    assert response.status_code == 202, response.json()


def test_each_unread_message_becomes_one_lead_and_is_marked_read(
    server, mailbox, org, api, django_capture_on_commit_callbacks, settings
):
    settings.MAILIN_MAX_MESSAGE_BYTES = 30 * 1024 * 1024
    big = message(message_id="<big@client.example>", attachment=b"\0" * (20 * 1024 * 1024))
    deliver(
        server,
        message(message_id="<one@client.example>"),
        broken_charset(),
        message(sender=None, message_id="<nofrom@client.example>"),
        big,
    )
    run_job(api, org, django_capture_on_commit_callbacks)
    log = {m.message_id: m for m in InboundMessage.objects.all()}
    assert {k: (m.status, m.reason) for k, m in log.items()} == {
        "<one@client.example>": ("lead_created", ""),
        "<broken@client.example>": ("lead_created", ""),
        "<nofrom@client.example>": ("refused", "no_from"),
        "<big@client.example>": ("lead_created", "attachments_stripped"),
    }
    lead = log["<one@client.example>"].lead
    assert (lead.company_name, lead.contact_email, lead.source) == (
        "cmcc-gd.cn",
        "zhang.wei@cmcc-gd.cn",
        LeadSource.CUSTOMER_INBOUND,
    )
    assert lead.org_unit == org.gd and "200 routers" in lead.need
    assert "\ufffd" in log["<broken@client.example>"].lead.need  # replaced, not a crash
    assert "20.0 MB" in log["<big@client.example>"].detail
    assert "We plan to buy" in log["<nofrom@client.example>"].body  # refused, not lost
    assert unseen(server) == 0

    # The same message again (a resend, a restored mailbox): logged, no second lead.
    deliver(server, message(message_id="<one@client.example>"))
    run_job(api, org, django_capture_on_commit_callbacks)
    assert Lead.objects.count() == 3
    assert InboundMessage.objects.filter(status="duplicate").count() == 1


def test_a_poll_that_dies_before_marking_read_takes_nothing_twice(server, mailbox, settings):
    deliver(server, message(message_id="<crash@client.example>"))
    with (
        mock.patch.object(imap, "_done", side_effect=OSError("connection lost")),
        pytest.raises(OSError),
    ):
        imap.mailbox_poll(imap.config_of(mailbox))
    assert Lead.objects.count() == 1 and unseen(server) == 1  # committed, still unread
    assert imap.mailbox_poll(imap.config_of(mailbox)) == 1
    assert Lead.objects.count() == 1 and unseen(server) == 0
    assert sorted(InboundMessage.objects.values_list("status", flat=True)) == [
        "duplicate",
        "lead_created",
    ]


def test_too_large_messages_stay_and_processed_ones_move(server, mailbox, settings):
    settings.MAILIN_MAX_MESSAGE_BYTES = 50_000
    client = connect(server)
    client.create("Processed")
    client.logout()
    mailbox.move_to = "Processed"
    mailbox.save()
    deliver(
        server,
        message(message_id="<huge@client.example>", attachment=b"x" * 100_000),
        message(message_id="<fine@client.example>"),
    )
    assert imap.mailbox_poll(imap.config_of(mailbox)) == 2
    huge = InboundMessage.objects.get(message_id="<huge@client.example>")
    assert (huge.status, huge.reason, huge.lead) == ("refused", "too_large", None)
    assert unseen(server) == 0 and unseen(server, "Processed") == 0
    client = connect(server)
    _status, count = client.select("Processed")
    client.logout()
    assert int(count[0]) >= 2


def test_the_environment_mailbox_url_is_read(server, mailbox, settings):
    settings.MAILIN_IMAP_URL = (
        f"imap://{server.user}:{server.password}@{server.host}:{server.port}/INBOX"
    )
    settings.MAILIN_LEAD_SOURCE = mailbox.source.key_prefix
    Mailbox.objects.update(is_active=False)
    deliver(server, message(message_id="<env@client.example>"))
    assert imap.mailboxes_poll() == {server.host: 1}
    assert InboundMessage.objects.get().lead.source_detail == "Sales mailbox"


def test_a_mailbox_it_cannot_open_records_the_error(server, mailbox):
    """Last in the module: the server slows logins from an address after a failed one."""
    mailbox.password = "wrong"
    mailbox.save()
    assert imap.mailboxes_poll() == {"sales@": 0}
    mailbox.refresh_from_db()
    assert mailbox.last_error and mailbox.last_polled_at

"""What cannot wait goes out by e-mail too (after the commit), in the recipient's language;
users who chose the daily digest get it there instead, and the rest stays in-app only."""

import pytest
from django.utils import translation

from core.messages import message
from core.notifications import notify
from tests.opportunities.conftest import open_gate

pytestmark = pytest.mark.django_db


def mails_to(mailoutbox, address):
    return [m for m in mailoutbox if address in m.to]


def test_a_gate_waiting_for_an_assessment_is_e_mailed_in_each_recipients_language(
    org, api, opportunity, django_capture_on_commit_callbacks, mailoutbox
):
    org.sr.language = "zh-hans"
    org.sr.save(update_fields=["language"])
    with django_capture_on_commit_callbacks() as callbacks:
        review_id = open_gate(api, org.rep, opportunity).json()["id"]
        assert mailoutbox == []  # nothing before the commit
    for callback in callbacks:
        callback()
    [chinese] = mails_to(mailoutbox, org.sr.email)
    [english] = mails_to(mailoutbox, org.fr.email)
    with translation.override("zh-hans"):
        needed = translation.gettext("[LTC CRM] Action needed: %(title)s").split("%")[0]
    assert needed != "[LTC CRM] Action needed: "
    assert chinese.subject.startswith(needed) and "Action needed" not in chinese.subject
    assert english.subject.startswith("[LTC CRM] Action needed: ")
    assert f"/gates/{review_id}/" in english.body and "cannot wait" in english.body
    assert "cannot wait" not in chinese.body
    assert not mails_to(mailoutbox, org.manager.email)  # told in-app only: not urgent for them


def test_an_urgent_kind_is_e_mailed_even_if_the_caller_did_not_ask_except_to_digest_users(
    org, django_capture_on_commit_callbacks, mailoutbox
):
    org.fr.email_digest = True
    org.fr.save(update_fields=["email_digest"])
    with django_capture_on_commit_callbacks(execute=True):
        ready = message("contract.confirm", contract="C-1 Ready for you")
        notify(recipients=[org.rep, org.fr], kind="gate.ready", message=ready, url="/")
        routine = message("lead.distributed", lead="Routine")
        notify(recipients=[org.rep], kind="lead.distributed", message=routine, url="/")
    assert [m.to for m in mailoutbox] == [[org.rep.email]]
    assert "Ready for you" in mailoutbox[0].subject

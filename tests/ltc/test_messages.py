"""Notifications and escalation reasons are stored as message codes with parameters and read in
the reader's language: on the page, in the API, in e-mail; every code is translated; no caller
writes a frozen title."""

import ast
import importlib
import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import translation

from core import messages
from core.messages import MESSAGES, message, render
from core.models import AuthorityRule, GateReview, Notification
from core.notifications import notify
from core.tasks import send_daily_digests
from tests.factories import LeadFactory, OpportunityFactory, team
from tests.opportunities.conftest import assess, open_gate

ROOT = Path(__file__).resolve().parents[2]
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")


def _calls(name: str):
    """Every call of `name(...)` in the project's code (not the tests), with where it is."""
    for path in ROOT.rglob("*.py"):
        parts = path.relative_to(ROOT).parts
        if parts[0] in {".venv", "tests", "bench", "node_modules"} or "migrations" in parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call):
                func = node.func
                called = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
                if called == name:
                    yield f"{path.relative_to(ROOT)}:{node.lineno}", node


def test_every_notify_call_passes_a_message_code_never_a_title():
    calls = list(_calls("notify"))
    assert len(calls) >= 30
    wrong = [
        where
        for where, node in calls
        if {k.arg for k in node.keywords} & {"title"}
        or "message" not in {k.arg for k in node.keywords}
    ]
    assert not wrong, f"notify() without a message code: {wrong}"


def test_every_message_code_named_in_the_code_is_registered():
    named = [
        (where, node.args[0].value)
        for where, node in _calls("message")
        if node.args and isinstance(node.args[0], ast.Constant)
    ]
    assert named
    unknown = [(where, code) for where, code in named if code not in MESSAGES]
    assert not unknown


def _sample(template: str) -> dict:
    return {name: "X1" for name in PLACEHOLDER.findall(template)}


@pytest.mark.parametrize("code", sorted(MESSAGES))
def test_every_code_renders_in_both_languages_and_chinese_has_no_english_left(code):
    template = MESSAGES[code]
    params = {**_sample(template.title), **(_sample(template.body) if template.body else {})}
    stored = message(code, **params)
    with translation.override("en"):
        english = render(stored)
    with translation.override("zh-hans"):
        chinese = render(stored)
    assert english and chinese and all(english[:1])
    for msgid, text in zip((template.title, template.body), chinese, strict=True):
        if not msgid:
            continue
        with translation.override("zh-hans"):
            assert translation.gettext(msgid) != msgid, f"{code}: no Chinese for {msgid!r}"
        words = re.findall(r"[A-Za-z]{3,}", PLACEHOLDER.sub("", msgid))
        left = [w for w in words if w in text.replace("X1", "")]
        assert not left, f"{code}: English left in Chinese {text!r}: {left}"


@pytest.fixture
def readers(org):
    org.rep.language = "zh-hans"
    org.rep.save(update_fields=["language"])
    org.manager.language = "en"
    org.manager.save(update_fields=["language"])
    return org


def test_one_notification_reads_in_each_readers_language_on_page_api_and_e_mail(
    readers, client, django_capture_on_commit_callbacks
):
    org = readers
    lead = LeadFactory(owner=org.rep, title="Port cranes")
    with django_capture_on_commit_callbacks(execute=True):
        notify(
            recipients=[org.rep, org.manager],
            kind="write_off.requested",
            message=message(
                "write_off.requested",
                amount=messages.money(Decimal("1200000"), "CNY"),
                m="C-7 · Acceptance",
            ),
            body="Customer went bankrupt",
            target=lead,
        )
    client.force_login(org.rep)
    page = client.get("/notifications/").content.decode()
    assert "坏账核销 ¥1,200,000.00 待您审批" in page and "awaits" not in page
    assert "Customer went bankrupt" in page  # the sender's own words, as written
    row = client.get("/api/v1/notifications/").json()["results"][0]
    assert "待您审批" in row["title"] and row["message"]["code"] == "write_off.requested"
    client.force_login(org.manager)
    page = client.get("/notifications/").content.decode()
    assert "Write-off of ¥1,200,000.00 on C-7 · Acceptance awaits your approval" in page
    assert "待您审批" not in page
    by_reader = {m.to[0]: m for m in mail.outbox}
    assert "待您审批" in by_reader[org.rep.email].subject
    assert "awaits your approval" in by_reader[org.manager.email].subject


def test_the_digest_is_in_the_readers_language(readers):
    org = readers
    org.rep.email_digest = True
    org.rep.save(update_fields=["email_digest"])
    notify(
        recipients=[org.rep],
        kind="lead.assigned",
        message=message("lead.distributed", lead="Port cranes"),
    )
    assert send_daily_digests() == 1
    assert "已分发给您的线索：Port cranes" in mail.outbox[0].body


def test_an_old_notification_without_a_code_keeps_its_stored_text(readers, client):
    Notification.objects.create(
        recipient=readers.rep, kind="lead.assigned", title="Frozen old title", body="Old body"
    )
    client.force_login(readers.rep)
    page = client.get("/notifications/").content.decode()
    assert "Frozen old title" in page and "Old body" in page


def test_escalation_reasons_read_in_each_readers_language(readers, client, api):
    org = readers
    opportunity = OpportunityFactory(
        owner=org.rep,
        team=team(ar=org.rep, sr=org.sr, fr=org.fr),
        amount=Decimal("1000000"),
        margin_pct=Decimal("18.58"),
    )
    AuthorityRule.objects.create(
        org_unit=org.gd, min_margin_pct=Decimal("20"), max_amount=Decimal("500000")
    )
    review = open_gate(api, org.rep, opportunity).json()
    stored = GateReview.objects.get(pk=review["id"]).escalation_reasons
    assert {r["code"] for r in stored} == {"reason.margin", "reason.amount"}
    assert "Gross margin 18.58% is below 20.00%." in review["escalation_reasons"]
    assert review["escalation_reason_codes"] == stored
    client.force_login(org.rep)
    page = client.get(reverse("gate-detail", args=[review["id"]])).content.decode()
    assert "毛利率 18.58% 低于 20.00%" in page and "Gross margin" not in page
    assert "¥1,000,000.00" in page and "¥500,000.00" in page
    chinese = client.get(f"/api/v1/gate-reviews/{review['id']}/").json()
    assert any("毛利率" in r for r in chinese["escalation_reasons"])


def test_an_escalation_notification_gives_its_reasons_in_the_readers_language(readers, api):
    org = readers
    opportunity = OpportunityFactory(owner=org.rep, team=team(ar=org.rep, sr=org.sr, fr=org.fr))
    AuthorityRule.objects.create(org_unit=org.gd, escalate_on_high_risk=True)
    review_id = open_gate(api, org.rep, opportunity).json()["id"]
    assert assess(api, org.fr, review_id, "fr", risk="high").status_code == 200
    note = Notification.objects.get(recipient=org.director, kind="gate.escalated")
    with translation.override("zh-hans"):
        assert "有评估将风险评为高" in note.display_body and "原因" in note.display_body
    with translation.override("en"):
        assert "An assessment rates the risk high." in note.display_body


def test_the_migration_turns_parsable_reason_sentences_into_codes():
    migration = importlib.import_module("core.migrations.0009_escalation_reasons_as_codes")
    margin = migration.as_code("Gross margin 18.58% is below 20.00%.", "CNY")
    assert margin == {
        "code": "reason.margin",
        "params": {"margin": messages.percent("18.58"), "floor": messages.percent("20.00")},
    }
    amount = migration.as_code("金额 1200000.00 超过授权额度 500000.00。", "USD")
    assert amount["code"] == "reason.amount"
    with translation.override("en"):
        assert (
            messages.render_text(amount) == "Amount $1,200,000.00 exceeds the limit of $500,000.00."
        )
    assert migration.as_code("Some reason typed by hand", "CNY") == "Some reason typed by hand"
    with translation.override("zh-hans"):
        assert messages.render_text("Some reason typed by hand") == "Some reason typed by hand"


#: Calls whose result a translated comment would freeze: gettext and friends, a choice's label,
#: a message rendered in the writer's language.
_FREEZERS = {"_", "gettext", "gettext_lazy", "pgettext", "ngettext", "render_text"}


def _freezes(node) -> bool:
    for inner in ast.walk(node):
        if isinstance(inner, ast.JoinedStr):
            return True
        if isinstance(inner, ast.Call):
            func = inner.func
            name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
            if name in _FREEZERS:
                return True
            if name and name.startswith("get_") and name.endswith("_display"):
                return True
            if name == "str" and inner.args and getattr(inner.args[0], "attr", "") == "label":
                return True
    return False


def test_no_comment_the_system_writes_on_a_timeline_is_frozen_text():
    """A comment the code composes (audit_record, transition_run, restate, merges…) is a
    message code, read in each reader's language; text typed by a person passes as it is."""
    frozen = []
    for path in ROOT.rglob("*.py"):
        parts = path.relative_to(ROOT).parts
        if parts[0] in {".venv", "tests", "bench", "node_modules"} or "migrations" in parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call):
                for keyword in node.keywords:
                    if keyword.arg and keyword.arg.endswith("comment") and _freezes(keyword.value):
                        frozen.append(f"{path.relative_to(ROOT)}:{node.lineno} {keyword.arg}")
    assert not frozen, f"comments written as text in the writer's language: {frozen}"


def test_a_comment_the_system_wrote_reads_in_each_readers_language(org):
    """A milestone falling due says why on its timeline, in the reader's language, whatever
    language the scan that wrote it ran in."""
    from core.audit import audit_record
    from core.models import AuditEvent

    with translation.override("en"):
        audit_record(
            target=org.rep,
            action="updated",
            comment=message("note.became_due", trigger=messages.label(_trigger(), "on_signing")),
        )
    event = AuditEvent.objects.filter(target_id=org.rep.pk, action="updated").latest("id")
    assert event.comment == "Due: On signing"
    with translation.override("zh-hans"):
        assert event.comment_text == "到期：签约时"
    with translation.override("en"):
        assert event.comment_text == "Due: On signing"


def _trigger():
    from receivables.choices import MilestoneTrigger

    return MilestoneTrigger

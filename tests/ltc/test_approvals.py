"""Approval chains as data and the engine that runs them (issue 20.3, ADR 17), driven through
the special price (特价审批): conditions and skipped steps, any of / all of, send-back and
resubmit, withdrawal, delegation, reminders and escalation exactly once, the inbox."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from core.approvals.chains import chain_define
from core.approvals.engine import open_request_for, request_decide
from core.approvals.models import (
    ApprovalChain,
    ApprovalNotice,
    ApprovalRequest,
    ApprovalTask,
    Delegation,
)
from core.approvals.reminders import approvals_scan
from core.approvals.selectors import tasks_waiting_on
from core.models import AuditEvent, Notification
from opportunities.models import Quote
from tests.opportunities import conftest as mo
from tests.opportunities.conftest import create_quote, line

pytestmark = pytest.mark.django_db

PRICING = {"type": "resolver", "name": "opportunities.pricing_approvers"}

# The MO tests' deal with its iron triangle and their catalogue, not copies of them.
opportunity = mo.opportunity
products = mo.products


def special(api, org, opportunity, products, who=None, quantity="1", discount="30"):
    """A quote beyond the default 10% authority, submitted: its special-price request."""
    who = who or org.rep
    quote = create_quote(api, who, opportunity, [line(products["router"], quantity, discount)])
    quote = quote.json()
    response = api(who).post(
        f"/api/v1/quotes/{quote['id']}/submit/", {"justification": "Price war"}, format="json"
    )
    assert response.status_code == 200, response.json()
    return Quote.objects.get(pk=quote["id"])


def define(org, steps, kind="special_price"):
    return chain_define(kind=kind, name="Special price", steps=steps, by=org.admin)


def request_of(quote):
    return ApprovalRequest.objects.filter(subject_id=quote.pk).order_by("-id").first()


def decide(api, user, request, decision="approve", comment=""):
    return api(user).post(
        f"/api/v1/approvals/{request.pk}/decide/",
        {"decision": decision, "comment": comment},
        format="json",
    )


def test_the_default_chain_is_todays_pricing_approvers(org, api, opportunity, products):
    quote = special(api, org, opportunity, products)
    chain = ApprovalChain.objects.get(kind="special_price", active=True)
    assert [s.approver for s in chain.steps] == [PRICING]
    request = request_of(quote)
    assert request.state == "pending" and request.requester == org.rep
    assert [t.assignee for t in request.tasks.all()] == [org.manager]
    # The director above the team was not asked but may decide, as today.
    assert decide(api, org.director, request, comment="ok").status_code == 200
    quote.refresh_from_db()
    assert quote.state == "approved" and quote.decided_by == org.director


def test_a_two_step_chain_skips_a_step_whose_condition_does_not_match(
    org, api, opportunity, products
):
    define(
        org,
        [
            {"name": "Pricing", "approver": PRICING},
            {
                "name": "Office above 500k",
                "condition": {"min_amount": "500000", "currency": "CNY"},
                "approver": {"type": "role", "role": "sales_manager", "level": "office"},
            },
        ],
    )
    small = special(api, org, opportunity, products, quantity="1")  # 79,100.00 incl. tax
    assert decide(api, org.manager, request_of(small)).status_code == 200
    small.refresh_from_db()
    assert small.state == "approved"
    assert AuditEvent.objects.filter(
        action="approval.step_skipped", target_id=request_of(small).pk
    ).exists()

    large = special(api, org, opportunity, products, quantity="10")  # 791,000.00
    request = request_of(large)
    assert decide(api, org.manager, request).status_code == 200
    request.refresh_from_db()
    assert request.state == "pending" and request.current_step.name == "Office above 500k"
    assert [t.assignee for t in tasks_waiting_on(org.director)] == [org.director]
    large.refresh_from_db()
    assert large.state == "pending_approval"
    # The first step's approver is not asked again; the office's manager decides.
    assert decide(api, org.manager, request).status_code == 403
    assert decide(api, org.director, request, comment="fine").status_code == 200
    large.refresh_from_db()
    assert large.state == "approved" and large.decision_reason == "fine"


def test_all_of_waits_for_everyone_any_of_for_one(org, api, opportunity, products):
    chain = define(
        org,
        [
            {
                "name": "Both managers",
                "approver": {"type": "role", "role": "sales_manager", "level": "any"},
                "mode": "all_of",
            }
        ],
    )
    quote = special(api, org, opportunity, products)
    request = request_of(quote)
    assert {t.assignee for t in request.tasks.all()} == {org.manager, org.director}
    assert decide(api, org.manager, request).status_code == 200
    request.refresh_from_db()
    assert request.state == "pending"
    assert decide(api, org.manager, request).status_code == 403  # decided once already
    assert decide(api, org.director, request).status_code == 200
    request.refresh_from_db()
    assert request.state == "approved"

    from core.approvals.chains import chain_update

    chain_update(
        chain=chain,
        by=org.admin,
        steps=[
            {
                "name": "Either manager",
                "approver": {"type": "role", "role": "sales_manager", "level": "any"},
                "mode": "any_of",
            }
        ],
    )
    quote = special(api, org, opportunity, products, quantity="2")
    request = request_of(quote)
    assert decide(api, org.director, request).status_code == 200
    request.refresh_from_db()
    assert request.state == "approved"
    outcomes = dict(request.tasks.values_list("assignee__username", "outcome"))
    assert outcomes == {"director": "approved", "manager": "closed"}


def test_send_back_then_resubmit_runs_the_chain_again(org, api, opportunity, products):
    quote = special(api, org, opportunity, products)
    request = request_of(quote)
    assert decide(api, org.manager, request, "send_back").status_code == 400  # say why
    sent = decide(api, org.manager, request, "send_back", "Add the competitor's offer")
    assert sent.status_code == 200 and sent.json()["state"] == "sent_back"
    quote.refresh_from_db()
    assert quote.state == "draft"
    assert Notification.objects.filter(kind="quote.sent_back", recipient=org.rep).exists()
    again = api(org.rep).post(
        f"/api/v1/quotes/{quote.pk}/submit/", {"justification": "Hengtong at -28%"}, format="json"
    )
    assert again.status_code == 200 and again.json()["state"] == "pending_approval"
    request.refresh_from_db()
    assert request.state == "pending" and request.round == 2
    assert ApprovalRequest.objects.filter(subject_id=quote.pk).count() == 1
    assert decide(api, org.manager, request, comment="ok").status_code == 200
    quote.refresh_from_db()
    assert quote.state == "approved"


def test_the_requester_withdraws_and_may_not_approve_their_own(org, api, opportunity, products):
    define(org, [{"name": "Named", "approver": {"type": "user", "user": org.manager.pk}}])
    quote = special(api, org, opportunity, products)
    request = request_of(quote)
    own = decide(api, org.rep, request)
    assert own.status_code == 403 and own.json()["code"] == "approval_own_request"
    assert api(org.manager).post(f"/api/v1/approvals/{request.pk}/withdraw/").status_code == 403
    gone = api(org.rep).post(f"/api/v1/approvals/{request.pk}/withdraw/", {"comment": "lost"})
    assert gone.status_code == 200 and gone.json()["state"] == "withdrawn"
    quote.refresh_from_db()
    assert quote.state == "withdrawn"
    assert Notification.objects.filter(kind="approval.withdrawn", recipient=org.manager).exists()
    assert decide(api, org.manager, request).status_code == 409


def test_withdrawing_the_quote_withdraws_its_request(org, api, opportunity, products):
    quote = special(api, org, opportunity, products)
    response = api(org.rep).post(f"/api/v1/quotes/{quote.pk}/transitions/withdraw/")
    assert response.status_code == 200
    assert request_of(quote).state == "withdrawn"
    assert not tasks_waiting_on(org.manager).exists()


def test_a_delegate_decides_while_the_approver_is_away(org, api, opportunity, products):
    today = timezone.localdate()
    made = api(org.manager).post(
        "/api/v1/delegations/",
        {"to_user": org.director.pk, "starts_on": today, "ends_on": today + dt.timedelta(days=3)},
    )
    assert made.status_code == 201, made.json()
    quote = special(api, org, opportunity, products)
    task = request_of(quote).tasks.get()
    assert task.assignee == org.director and task.delegated_from == org.manager
    assert [t.pk for t in tasks_waiting_on(org.director)] == [task.pk]
    assert decide(api, org.director, request_of(quote)).status_code == 200

    # Back again: the director may not delegate to the manager over those days (a circle).
    circle = api(org.director).post(
        "/api/v1/delegations/",
        {"to_user": org.manager.pk, "starts_on": today + dt.timedelta(days=1), "ends_on": today},
    )
    assert circle.status_code == 400  # ends before it starts
    circle = api(org.director).post(
        "/api/v1/delegations/",
        {"to_user": org.manager.pk, "starts_on": today, "ends_on": today + dt.timedelta(days=1)},
    )
    assert circle.status_code == 400 and circle.json()["code"] == "delegation_cycle"
    assert Delegation.objects.count() == 1
    # Someone else's stand-in is not one's to arrange.
    other = api(org.rep).post(
        "/api/v1/delegations/",
        {"to_user": org.teammate.pk, "starts_on": today, "ends_on": today},
        format="json",
    )
    assert other.status_code == 201 and other.json()["from_user"] == org.rep.pk


def test_a_chain_nobody_could_approve_is_a_400_and_nothing_is_saved(org, api):
    admin = api(org.admin)
    body = {
        "kind": "write_off",
        "name": "Write-offs",
        "steps": [
            {"name": "Finance", "approver": {"type": "role", "role": "finance"}},
            {"name": "Ghost", "approver": {"type": "user", "user": 999999}},
        ],
    }
    response = admin.post("/api/v1/approval-chains/", body, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "no_possible_approver"
    assert "steps.1.approver" in response.json()["fields"]
    assert not ApprovalChain.objects.exists()
    assert not AuditEvent.objects.filter(action="approval_chain.defined").exists()

    body["steps"] = body["steps"][:1]
    assert api(org.manager).post("/api/v1/approval-chains/", body, format="json").status_code == 403
    made = admin.post("/api/v1/approval-chains/", body, format="json")
    assert made.status_code == 201, made.json()
    chain = made.json()
    assert chain["steps"][0]["approver"] == {"type": "role", "role": "finance"}
    changed = admin.patch(
        f"/api/v1/approval-chains/{chain['id']}/",
        {"steps": [{"name": "Bad", "approver": {"type": "seat", "seat": "ceo"}}]},
        format="json",
    )
    assert changed.status_code == 400 and changed.json()["code"] == "no_possible_approver"
    renamed = admin.patch(
        f"/api/v1/approval-chains/{chain['id']}/", {"name": "Write-offs (finance)"}, format="json"
    )
    assert renamed.status_code == 200 and renamed.json()["version"] == 2
    event = AuditEvent.objects.filter(action="approval_chain.changed").get()
    assert event.changes["before"]["name"] == "Write-offs"
    assert event.changes["after"]["name"] == "Write-offs (finance)"


def test_reminder_and_escalation_go_out_exactly_once(org, api, opportunity, products):
    define(
        org,
        [
            {
                "name": "Team manager",
                "approver": {"type": "user", "user": org.manager.pk},
                "time_limit_hours": 4,
                "escalate_to": {"type": "user", "user": org.director.pk},
            }
        ],
    )
    quote = special(api, org, opportunity, products)
    request = request_of(quote)
    task = request.tasks.get()
    assert approvals_scan() == {"reminders": 0, "escalations": 0}
    ApprovalTask.objects.filter(pk=task.pk).update(
        created_at=timezone.now() - dt.timedelta(hours=3)
    )
    assert approvals_scan() == {"reminders": 1, "escalations": 0}
    assert approvals_scan() == {"reminders": 0, "escalations": 0}
    ApprovalTask.objects.filter(pk=task.pk).update(
        created_at=timezone.now() - dt.timedelta(hours=5)
    )
    assert approvals_scan() == {"reminders": 0, "escalations": 1}
    assert approvals_scan() == {"reminders": 0, "escalations": 0}
    assert ApprovalNotice.objects.count() == 2
    assert Notification.objects.filter(kind="approval.reminder", recipient=org.manager).count() == 1
    assert (
        Notification.objects.filter(kind="approval.escalated", recipient=org.director).count() == 1
    )
    assert decide(api, org.director, request, comment="escalated").status_code == 200
    quote.refresh_from_db()
    assert quote.state == "approved"


def test_the_inbox_shows_what_waits_oldest_first_with_its_age(
    org, api, client, opportunity, products
):
    first = special(api, org, opportunity, products, quantity="1")
    second = special(api, org, opportunity, products, quantity="2")
    three_days_ago = timezone.now() - dt.timedelta(days=3)
    ApprovalTask.objects.filter(request=request_of(first)).update(created_at=three_days_ago)
    ApprovalRequest.objects.filter(pk=request_of(first).pk).update(waiting_since=three_days_ago)
    waiting = list(tasks_waiting_on(org.manager))
    assert [t.request.subject_id for t in waiting] == [first.pk, second.pk]
    listed = api(org.manager).get("/api/v1/approvals/?waiting_on=me").json()["results"]
    assert [r["subject_id"] for r in listed] == [first.pk, second.pk]
    assert listed[0]["may_decide"] is True
    client.force_login(org.manager)
    page = client.get("/gates/").content.decode()
    assert page.index(request_of(first).title) < page.index(request_of(second).title)
    assert "3 days" in page
    detail = client.get(request_of(first).get_absolute_url())
    assert detail.status_code == 200


def test_a_decision_is_recorded_once(org, api, opportunity, products):
    quote = special(api, org, opportunity, products)
    request = open_request_for(quote)
    request_decide(request=request, by=org.manager, decision="approve")
    again = decide(api, org.director, request)
    assert again.status_code == 409 and again.json()["code"] == "approval_not_pending"
    assert request.tasks.exclude(outcome="").count() == 1

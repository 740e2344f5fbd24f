"""Home per role: a rep lands on their tasks (follow-ups due, gate reviews waiting for them,
milestones to chase) and pipeline; a manager on the approvals and the funnel; finance on the
collections board."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from accounts.services import activity_create
from contracts.services import contract_transition
from core import gates
from receivables.services import payment_plan_set
from tests.factories import ContractFactory, LeadFactory, OpportunityFactory, team

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate


def signed_contract(owner, amount="50000.00", credit_days=0, title="Contract"):
    contract = ContractFactory(owner=owner, amount=Decimal(amount), signed_on=TODAY(), title=title)
    payment_plan_set(
        contract=contract,
        by=owner,
        milestones=[
            {
                "kind": "down_payment",
                "name": f"Down payment of {title}",
                "percentage": Decimal("100"),
                "trigger": "on_signing",
                "credit_days": credit_days,
            }
        ],
    )
    contract_transition(contract=contract, name="sign", by=owner)
    return contract


def open_ati(org, name="Campus network"):
    opportunity = OpportunityFactory(
        owner=org.rep, name=name, team=team(ar=org.rep, sr=org.sr, fr=org.fr)
    )
    return gates.gate_open(subject=opportunity, kind="ati", by=org.rep)


def section(page: str, section_id: str) -> str:
    """The HTML of one home section (from its heading to the next section)."""
    start = page.index(f'id="{section_id}"')
    end = page.find('class="home-section"', start)
    return page[start : end if end != -1 else len(page)]


def test_a_rep_lands_on_their_tasks_then_their_pipeline(org, client):
    lead = LeadFactory(owner=org.rep, title="Hospital core network")
    activity_create(
        by=org.rep,
        subject=lead,
        data={
            "kind": "call",
            "summary": "Budget call",
            "next_step": "Send the reference design",
            "next_step_date": TODAY() - dt.timedelta(days=1),
        },
    )
    activity_create(
        by=org.rep,
        subject=lead,
        data={
            "kind": "visit",
            "summary": "Later visit",
            "next_step": "Quarterly review",
            "next_step_date": TODAY() + dt.timedelta(days=30),
        },
    )
    review = open_ati(org)
    signed_contract(org.rep, title="Port cranes")
    signed_contract(org.other_team_rep, title="Elsewhere")

    client.force_login(org.rep)
    page = client.get("/").content.decode()
    tasks = section(page, "home-tasks")
    assert "Send the reference design" in tasks and "overdue" in tasks
    assert "Quarterly review" not in page  # not due within three days
    assert review.get_absolute_url() in tasks  # ATI waits for the AR's assessment
    assert "Down payment of Port cranes" in tasks  # a milestone to chase
    assert "Down payment of Elsewhere" not in page  # another team's
    pipeline = section(page, "home-overview")
    assert "Hospital core network" in pipeline and "Your pipeline" in pipeline
    assert "home-approvals" not in page


def test_a_manager_lands_on_approvals_and_the_funnel(org, client):
    review = open_ati(org, name="Metro ticketing")
    for user, role in ((org.rep, "ar"), (org.sr, "sr"), (org.fr, "fr")):
        gates.gate_assess(
            review=review,
            by=user,
            verdict="go",
            confidence=70,
            risk_level="low",
            topics={k: "ok" for k, _label in gates.GATE_TOPICS["ati"][role]},
        )
    client.force_login(org.manager)
    page = client.get("/").content.decode()
    approvals = section(page, "home-approvals")
    assert review.get_absolute_url() in approvals  # to decide
    assert "Special prices to approve" in approvals
    overview = section(page, "home-overview")
    assert "Funnel" in overview and "Identified" in overview


def test_finance_lands_on_the_collections_board(org, client):
    late = signed_contract(org.rep, title="Late one", amount="80000.00")
    late.payment_milestones.update(due_date=TODAY() - dt.timedelta(days=5))
    signed_contract(org.rep, title="Far off", credit_days=60)
    client.force_login(org.finance)
    page = client.get("/").content.decode()
    board = section(page, "home-overview")
    assert "Collections board" in board
    assert "Down payment of Late one" in board and "5 days overdue" in board
    assert "Down payment of Far off" not in board  # due in two months, not urgent
    assert "/collections/receipts/new/" in board
    assert "Gate reviews waiting for you" not in page  # finance takes no part in gates
    assert "home-tasks" not in page


def test_home_runs_a_constant_number_of_queries(org, client, django_assert_max_num_queries):
    for i in range(5):
        signed_contract(org.rep, title=f"C{i}")
        lead = LeadFactory(owner=org.rep)
        activity_create(
            by=org.rep,
            subject=lead,
            data={"kind": "call", "summary": "s", "next_step": "n", "next_step_date": TODAY()},
        )
    client.force_login(org.rep)
    with django_assert_max_num_queries(17):  # the same with one row of each
        assert client.get("/").status_code == 200

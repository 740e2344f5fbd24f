"""Managers see where deals are stuck (issue 19.6): days in the current stage on the board, the
list and the API; the "stuck" filter against each stage's norm; the gate reviews a manager's
team raised, escalated ones too, with their age; the funnel's bars and rows opening the deals
behind them; and the stage progress bar on the opportunity page."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from decimal import Decimal
from html import unescape

import pytest
from django.utils import timezone

from core.models import AuditEvent, AuthorityRule, GateReview
from opportunities.models import Opportunity, StageNorm
from tests.factories import OpportunityFactory, local_noon, team

from .conftest import advance, open_gate, transition

pytestmark = pytest.mark.django_db


def _entered_days_ago(opportunity: Opportunity, days: int) -> None:
    Opportunity.objects.filter(pk=opportunity.pk).update(state_changed_at=local_noon(days))


def _norm(stage: str, days: int, gate_days: int = 7) -> None:
    StageNorm.objects.update_or_create(
        stage=stage, defaults={"norm_days": days, "gate_norm_days": gate_days}
    )


@pytest.fixture
def fresh(org):
    """A second deal of the same rep, entered its stage yesterday."""
    deal = OpportunityFactory(owner=org.rep, team=team(ar=org.rep, sr=org.sr, fr=org.fr))
    _entered_days_ago(deal, 1)
    return deal


def test_days_in_the_current_stage_on_the_board_the_list_and_the_api(
    client, org, api, opportunity, fresh
):
    _entered_days_ago(opportunity, 12)
    client.force_login(org.rep)
    board = client.get("/opportunities/board/").content.decode()
    assert "12 days in this stage" in board and "1 day in this stage" in board
    rows = client.get("/opportunities/").content.decode()
    row = rows[rows.index(opportunity.number) :].split("</tr>")[0]
    assert '<td class="num">12</td>' in row
    listed = {r["id"]: r for r in api(org.rep).get("/api/v1/opportunities/").json()["results"]}
    assert listed[opportunity.pk]["days_in_stage"] == 12
    assert listed[fresh.pk]["days_in_stage"] == 1
    one = api(org.rep).get(f"/api/v1/opportunities/{opportunity.pk}/").json()
    assert one["days_in_stage"] == 12 and one["state_changed_at"]


def test_the_stuck_filter_follows_each_stages_norm(client, org, api, opportunity, fresh):
    _entered_days_ago(opportunity, 12)
    _norm("identified", 10)
    stuck = api(org.rep).get("/api/v1/opportunities/", {"stuck": "true"}).json()["results"]
    assert [r["id"] for r in stuck] == [opportunity.pk]
    moving = api(org.rep).get("/api/v1/opportunities/", {"stuck": "false"}).json()["results"]
    assert [r["id"] for r in moving] == [fresh.pk]

    client.force_login(org.manager)
    page = client.get("/opportunities/", {"stuck": "true"}).content.decode()
    assert opportunity.number in page and fresh.number not in page
    assert "Stuck</span>" in page  # a badge with a word, not only a colour
    board = client.get("/opportunities/board/", {"stuck": "on"}).content.decode()
    assert opportunity.number in board and fresh.number not in board
    assert "Stuck</span>" in board

    _norm("identified", 20)  # an administrator allows the stage more time
    assert api(org.rep).get("/api/v1/opportunities/", {"stuck": "true"}).json()["results"] == []
    assert "Stuck</span>" not in client.get("/opportunities/board/").content.decode()


def test_an_administrator_sets_a_stages_norm_through_the_api(api, org, opportunity):
    _entered_days_ago(opportunity, 12)
    _norm("identified", 30)
    norm = StageNorm.objects.get(stage="identified")
    url = f"/api/v1/stage-norms/{norm.pk}/"
    assert api(org.rep).get(url).json()["norm_days"] == 30  # everyone reads the norms
    assert api(org.manager).patch(url, {"norm_days": 10}, format="json").status_code == 403
    assert api(org.admin).patch(url, {"norm_days": 0}, format="json").status_code == 400
    response = api(org.admin).patch(url, {"norm_days": 10}, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["gate_norm_days"] == 7
    stuck = api(org.rep).get("/api/v1/opportunities/", {"stuck": "true"}).json()["results"]
    assert [r["id"] for r in stuck] == [opportunity.pk]
    assert AuditEvent.objects.filter(target_id=norm.pk, action="updated").exists()


def test_a_deal_waiting_at_a_gate_longer_than_the_norm_is_stuck(client, org, api, opportunity):
    _entered_days_ago(opportunity, 9)
    _norm("identified", 30, gate_days=7)
    review = open_gate(api, org.rep, opportunity).json()
    assert api(org.rep).get("/api/v1/opportunities/", {"stuck": "true"}).json()["results"] == []
    GateReview.objects.filter(pk=review["id"]).update(created_at=timezone.now() - timedelta(8))
    stuck = api(org.rep).get("/api/v1/opportunities/", {"stuck": "true"}).json()["results"]
    assert [r["id"] for r in stuck] == [opportunity.pk]
    client.force_login(org.rep)
    board = client.get("/opportunities/board/").content.decode()
    card = board[board.index(f'data-id="{opportunity.pk}"') :].split("</article>")[0]
    assert "Stuck</span>" in card and "Gate review open" in card


def test_the_manager_sees_the_escalated_reviews_his_team_raised_with_their_age(
    client, org, api, opportunity
):
    AuthorityRule.objects.create(org_unit=org.gd, gate_kind="ati", max_amount=Decimal("100"))
    review = open_gate(api, org.rep, opportunity).json()
    assert review["escalated"] is True  # waits for the office, above the team's manager
    GateReview.objects.filter(pk=review["id"]).update(created_at=timezone.now() - timedelta(3))

    client.force_login(org.manager)
    inbox = client.get("/gates/").content.decode()
    to_decide = inbox[inbox.index('id="to-decide"') : inbox.index('id="to-assess"')]
    assert opportunity.name not in to_decide  # not his to decide...
    team_part = inbox[inbox.index('id="in-team"') :]
    assert opportunity.name in team_part and "escalated" in team_part  # ...but he sees it
    assert "3 days" in team_part
    home = client.get("/").content.decode()
    assert "Raised in your team" in home and opportunity.name in home and "3 days" in home

    client.force_login(org.director)  # the office decides it, and sees how long it waited
    inbox = client.get("/gates/").content.decode()
    to_decide = inbox[inbox.index('id="to-decide"') : inbox.index('id="to-assess"')]
    assert opportunity.name in to_decide and "3 days" in to_decide

    client.force_login(org.other_region_manager)  # another team's manager does not
    inbox = client.get("/gates/").content.decode()
    assert opportunity.name not in inbox
    assert opportunity.name not in client.get("/").content.decode()


def test_funnel_bars_and_rows_open_the_deals_behind_them(client, org, opportunity, fresh):
    Opportunity.objects.filter(pk=fresh.pk).update(currency="USD")
    client.force_login(org.manager)
    year = timezone.localdate().year
    page = client.get("/key-accounts/funnel/", {"year": year}).content.decode()
    chart = json.loads(
        re.search(r'<script id="funnel-chart" type="application/json">(.*?)</script>', page)[1]
    )
    link = chart["links"][chart["labels"].index("Identified")]
    assert link == (
        "/opportunities/?state=identified&currency=CNY"
        f"&created_after={year}-01-01&created_before={year}-12-31"
    )
    assert f'href="{link.replace("&", "&amp;")}"' in page  # the table links there too
    deals = client.get(link).content.decode()
    assert opportunity.number in deals and fresh.number not in deals  # same currency filter
    elsewhere = client.get(link, {"within_unit": org.js.pk}).content.decode()
    assert opportunity.number not in elsewhere


def _progress(page: str) -> str:
    return unescape(page[page.index('class="stage-progress"') :].split("</nav>")[0])


def test_the_stage_progress_bar_marks_the_current_stage_and_the_gates(
    client, org, api, opportunity
):
    client.force_login(org.rep)
    bar = _progress(client.get(opportunity.get_absolute_url()).content.decode())
    assert "<ol>" in bar
    current = re.findall(r'<li class="([^"]+)" aria-current="step">\s*([^<]+)', bar)
    assert [(c, label.strip()) for c, label in current] == [("step-stage is-current", "Identified")]
    assert "ATI: authorize to initiate" in bar and "Won" in bar

    advance(api, org, opportunity, "guiding")
    bar = _progress(client.get(opportunity.get_absolute_url()).content.decode())
    current = re.findall(r'aria-current="step">\s*([^<]+)', bar)
    assert [c.strip() for c in current] == ["Guiding (decision chain, pre-bid)"]
    ati = bar[bar.index("ATI: authorize") :].split("</li>")[0]
    assert "passed" in ati

    response = transition(
        api, org.rep, opportunity, "lose", reason="Budget gone", reason_code="budget"
    )
    assert response.status_code == 200, response.json()
    bar = _progress(client.get(opportunity.get_absolute_url()).content.decode())
    current = re.findall(r'<li class="([^"]+)" aria-current="step">\s*([^<]+)', bar)
    assert [(c, label.strip()) for c, label in current] == [("step-end is-current", "Lost")]

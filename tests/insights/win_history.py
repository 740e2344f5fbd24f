"""A generated history of closed deals for the win model's tests, with a real signal: a deal
that passed ATB, has supporters in its decision chain and no cheaper competitor wins more
often; the rest is noise. Written in bulk (hundreds of deals), like the scale data."""

from __future__ import annotations

import datetime as dt
import math
import random
from decimal import Decimal

from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from accounts.models import IronTriangle
from core.models import GateReview
from opportunities.models import (
    Competitor,
    DecisionChainMember,
    Opportunity,
    OpportunityCompetitor,
)
from tests.factories import ContactFactory, CustomerFactory


def make_history(org, *, closed: int = 260, open_deals: int = 20, seed: int = 7, one_class=None):
    """`closed` closed deals and `open_deals` open ones of `org.rep` and `org.other_team_rep`;
    `one_class` ("won" or "lost") makes every closed deal end that way."""
    rng = random.Random(seed)
    customers = [CustomerFactory(owner=org.rep), CustomerFactory(owner=org.other_team_rep)]
    contacts = {c.pk: [ContactFactory(customer=c) for _ in range(3)] for c in customers}
    rival = Competitor.objects.create(name="Rival Co.")
    now = timezone.now()
    total = closed + open_deals
    triangles = IronTriangle.objects.bulk_create([IronTriangle() for _ in range(total)])
    deals, facts = [], []
    for i in range(total):
        owner = org.rep if i % 3 else org.other_team_rep
        customer = customers[0] if owner == org.rep else customers[1]
        atb = rng.random() < 0.5
        supporters = rng.randint(0, 3)
        cheaper = rng.random() < 0.4
        logit = -0.8 + 1.6 * atb + 0.7 * supporters - 1.5 * cheaper
        won = rng.random() < 1 / (1 + math.exp(-logit))
        is_open = i >= closed
        if is_open:
            state = "bidding" if atb else "initiated"
        elif one_class:
            state = one_class
        else:
            state = "won" if won else "lost"
        created = now - dt.timedelta(days=rng.randint(60, 400))
        deals.append(
            Opportunity(
                name=f"History deal {i}",
                number=f"OPP-H{i:05d}",
                customer=customer,
                owner=owner,
                org_unit=owner.org_unit,
                team=triangles[i],
                amount=Decimal(rng.randrange(100, 5000) * 1000),
                currency="CNY",
                state=state,
                probability_pct=Decimal(10 if is_open else (100 if state == "won" else 0)),
                closed_at=None if is_open else created + dt.timedelta(days=rng.randint(20, 90)),
                expected_close_date=(now + dt.timedelta(days=30)).date(),
            )
        )
        facts.append((atb, supporters, cheaper, customer))
    deals = Opportunity.objects.bulk_create(deals)
    kind = ContentType.objects.get_for_model(Opportunity)
    reviews, chain, competitors = [], [], []
    for deal, (atb, supporters, cheaper, customer) in zip(deals, facts, strict=True):
        common = dict(subject_type=kind, subject_id=deal.pk, org_unit=deal.org_unit)
        common.update(team=deal.team, authority_unit=deal.org_unit, opened_by=deal.owner)
        reviews.append(GateReview(kind="ati", state="go", title="ATI", **common))
        if atb:
            reviews.append(GateReview(kind="atb", state="go", title="ATB", **common))
        for n, contact in enumerate(contacts[customer.pk]):
            stance = "supporter" if n < supporters else "neutral"
            chain.append(
                DecisionChainMember(opportunity=deal, contact=contact, role="user", stance=stance)
            )
        if cheaper:
            competitors.append(
                OpportunityCompetitor(opportunity=deal, competitor=rival, price_position="below")
            )
    GateReview.objects.bulk_create(reviews)
    DecisionChainMember.objects.bulk_create(chain)
    OpportunityCompetitor.objects.bulk_create(competitors)
    return deals

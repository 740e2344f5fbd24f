"""The opportunities (with gate reviews and decision chains) and the leads of the scale data set."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.contrib.contenttypes.models import ContentType

from accounts.normalise import normalise_company_name
from bench.bulk import BulkWriter
from core.choices import GateKind
from core.models import GateAssessment, GateReview
from opportunities.choices import DEFAULT_STAGE_PROBABILITY
from opportunities.models import DecisionChainMember, Opportunity

from .shapes import LEAD_STATES, OPEN_STAGE_WEIGHTS, PROVINCES, STAGE_ORDER, TRADES, pick


class Pipeline:
    """Mixin of `ScaleData`: the pipeline, from leads to opportunities won or lost."""

    def triangle(self, ar: int, team_id: int) -> int:
        pk = self.triangles.add()
        for role, user in (
            ("ar", ar),
            ("sr", self.team_sr[team_id]),
            ("fr", self.team_fr[team_id]),
        ):
            self.members.add(team_id=pk, user_id=user, role=role)
        return pk

    def opportunities(self) -> None:
        rng = self.rng
        opps = BulkWriter(Opportunity)
        reviews, assessments = BulkWriter(GateReview), BulkWriter(GateAssessment)
        chain = BulkWriter(DecisionChainMember)
        opp_type = ContentType.objects.get_for_model(Opportunity).pk
        n_opps, n_won = self.counts["opportunities"], self.counts["contracts"]
        self.won: list[dict] = []
        self.converted: list[tuple[int, tuple, int]] = []  # lead id, customer, opportunity id
        for i in range(n_opps):
            if i < n_won:
                stage = "won"
            elif rng.random() < 0.45:
                stage = pick(rng, [("lost", 60), ("abandoned", 40)])
            else:
                stage = pick(rng, OPEN_STAGE_WEIGHTS)
            customer = self.customers[rng.randrange(len(self.customers))]
            customer_id, owner, team_id, _key = customer
            pk = opps.next_id()
            triangle = self.triangle(owner, team_id)
            lead_id = None
            if rng.random() < 0.6:
                lead_id = self.leads.next_id()
                self.converted.append((lead_id, customer, pk))
            amount = Decimal(rng.randrange(1_000, 200_000) * 100)
            created = self.days_ago(40, 1500)
            closed = stage in ("won", "lost", "abandoned")
            reached = (
                STAGE_ORDER.index(stage)
                if stage in STAGE_ORDER
                else rng.randrange(len(OPEN_STAGE_WEIGHTS))
            )
            opps.add(
                id=pk,
                number=f"OPP-{pk:06d}",
                name=f"{TRADES[i % 10]}项目 {pk}",
                customer_id=customer_id,
                lead_id=lead_id,
                owner_id=owner,
                org_unit_id=team_id,
                team_id=triangle,
                product_line=["5G", "IoT", "Cloud", "Data center"][i % 4],
                amount=amount,
                margin_pct=Decimal(rng.randrange(5, 45)),
                down_payment_pct=Decimal(rng.choice([10, 20, 30])),
                expected_close_date=self.today + dt.timedelta(days=rng.randint(-200, 300)),
                forecast_category=rng.choice(["commit", "best_case", "pipeline"]),
                probability_pct=Decimal(DEFAULT_STAGE_PROBABILITY[stage]),
                state=stage,
                state_changed_at=created + dt.timedelta(days=rng.randint(0, 30)),
                close_reason="" if stage == "won" else ("竞争对手价格更低" if closed else ""),
                close_reason_code=(
                    rng.choice(["price", "relationship", "budget"])
                    if stage in ("lost", "abandoned")
                    else ""
                ),
                closed_at=created + dt.timedelta(days=rng.randint(30, 200)) if closed else None,
                created_at=created,
            )
            passed = [GateKind.ATI] * (reached >= 1) + [GateKind.ATB] * (reached >= 4)
            passed += [GateKind.ATC] * (stage == "won")
            gates = [(kind, "go") for kind in passed]
            if stage == "identified" and rng.random() < 0.3:
                gates.append((GateKind.ATI, "open"))
            if stage == "negotiating" and rng.random() < 0.5:
                gates.append((GateKind.ATC, "open"))
            atc = None
            for kind, state in gates:
                review = self.review(
                    reviews, assessments, (opp_type, pk, triangle), kind, state, customer
                )
                atc = review if kind == GateKind.ATC else atc
            for role, contact in zip(
                ("decision_maker", "procurement"), self.contacts[customer_id], strict=True
            ):
                chain.add(
                    opportunity_id=pk,
                    contact_id=contact,
                    role=role,
                    stance=rng.choice(["supporter", "neutral", "opponent"]),
                    relationship=rng.randint(0, 4),
                    coach_level=rng.choice(["none", "informs", "advises", "sways"]),
                )
            if stage == "won":
                self.won.append(dict(opp=pk, customer=customer, amount=amount, atc=atc))
        self.close(opps, reviews, assessments, chain)

    def review(self, reviews, assessments, subject, kind, state, customer):
        """A gate review of `subject` (content type, id, iron triangle) with three assessments."""
        subject_type, subject_id, triangle = subject
        _customer_id, owner, team_id, _key = customer
        decided = state != "open"
        pk = reviews.add(
            subject_type_id=subject_type,
            subject_id=subject_id,
            kind=kind,
            state=state,
            title=f"{kind.upper()} {subject_id}",
            org_unit_id=team_id,
            team_id=triangle,
            authority_unit_id=team_id,
            facts={"amount": "0", "currency": "CNY"},
            opened_by_id=owner,
            decided_by_id=self.team_manager[team_id] if decided else None,
            decided_at=self.now if decided else None,
        )
        seats = (("ar", owner), ("sr", self.team_sr[team_id]), ("fr", self.team_fr[team_id]))
        for role, author in seats:
            assessments.add(
                review_id=pk,
                role=role,
                author_id=author,
                verdict="go",
                confidence=self.rng.randint(50, 95),
                risk_level=self.rng.choice(["low", "medium"]),
            )
        return pk

    # --- leads -----------------------------------------------------------------------------

    def other_leads(self) -> None:
        rng = self.rng
        base = dict(currency="CNY", estimated_amount=None)
        for lead_id, (customer_id, owner, team_id, key), _opp in self.converted:
            created = self.days_ago(60, 1600)
            self.leads.add(
                id=lead_id,
                **base,
                title=f"线索 {lead_id}",
                customer_id=customer_id,
                company_key=key,
                owner_id=owner,
                org_unit_id=team_id,
                state="converted",
                need_confirmed=True,
                budget_confirmed=True,
                authority_identified=True,
                timeline_confirmed=True,
                score=rng.randint(40, 100),
                converted_at=created + dt.timedelta(days=rng.randint(5, 60)),
                created_at=created,
            )
        prospects = max(1, self.counts["customers"] // 2)
        keys: dict[int, str] = {}
        for _i in range(max(0, self.counts["leads"] - len(self.converted))):
            state = pick(rng, LEAD_STATES)
            lead = dict(state=state, score=rng.randint(0, 100), created_at=self.days_ago(0, 900))
            if rng.random() < 0.5:  # a customer's new need
                customer_id, owner, team_id, key = self.customers[
                    rng.randrange(len(self.customers))
                ]
                lead.update(customer_id=customer_id, company_key=key)
            else:  # a company we do not sell to yet
                n = len(self.customers) + rng.randrange(prospects)
                name = self.company_name(n)
                if n not in keys:
                    keys[n] = normalise_company_name(name)
                key = keys[n]
                owner, team_id = self.reps[rng.randrange(len(self.reps))]
                lead.update(company_name=name, company_key=key)
            if state in ("new", "verifying", "disqualified") and rng.random() < 0.3:
                owner = None  # in the team's pool
            if state in ("verified", "distributed", "nurturing"):
                lead.update(
                    need_confirmed=True,
                    budget_confirmed=True,
                    authority_identified=True,
                    timeline_confirmed=True,
                )
            if state == "disqualified":
                lead["disqualify_reason"] = "没有预算"
            self.leads.add(
                **base,
                **lead,
                title=f"线索 {self.leads._next_id}",
                owner_id=owner,
                org_unit_id=team_id,
                region=PROVINCES[rng.randrange(len(PROVINCES))],
                source=rng.choice(["marketing_event", "channel_partner", "customer_inbound"]),
            )

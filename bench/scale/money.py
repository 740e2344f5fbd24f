"""The contracts, payment plans, invoices, receipts and activities of the scale data set."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.contrib.contenttypes.models import ContentType

from accounts.models import Activity
from bench.bulk import BulkWriter
from contracts.models import Contract
from leads.models import Lead
from opportunities.models import Opportunity
from receivables.models import Invoice, PaymentMilestone, PaymentTrigger, Receipt, ReceiptAllocation

from .shapes import CENT, CONTRACT_STATES, DAYS_LATE, NEVER_PAID, PLANS, REACHED, pick


class Money:
    """Mixin of `ScaleData`: contracts and the money they bring in, then the activities."""

    def contracts_and_money(self) -> None:
        rng = self.rng
        contracts, milestones = BulkWriter(Contract), BulkWriter(PaymentMilestone)
        triggers, invoices = BulkWriter(PaymentTrigger), BulkWriter(Invoice)
        receipts, allocations = BulkWriter(Receipt), BulkWriter(ReceiptAllocation)
        per_contract = min(4, max(1, round(self.counts["milestones"] / len(self.won))))
        for deal in self.won:
            customer_id, owner, team_id, _key = deal["customer"]
            finance = self.office_finance[self.team_office[team_id]]
            state = pick(rng, CONTRACT_STATES)
            signed = self.today - dt.timedelta(days=rng.randint(0, 1100))
            pk = contracts.next_id()
            confirmed = self.now if state != "signed" else None
            contracts.add(
                id=pk,
                number=f"CON-{pk:06d}",
                title=f"合同 {pk}",
                customer_id=customer_id,
                opportunity_id=deal["opp"],
                atc_review_id=deal["atc"],
                owner_id=owner,
                org_unit_id=team_id,
                team_id=self.triangle(owner, team_id),
                amount=deal["amount"],
                signed_on=signed,
                starts_on=signed,
                ends_on=signed + dt.timedelta(days=730),
                sales_confirmed_by_id=owner if confirmed else None,
                sales_confirmed_at=confirmed,
                delivery_confirmed_by_id=self.team_fr[team_id] if confirmed else None,
                delivery_confirmed_at=confirmed,
                state=state,
            )
            plan = PLANS[per_contract]
            left = deal["amount"]
            for sequence, (kind, trigger, pct, after) in enumerate(plan, start=1):
                amount = left if sequence == len(plan) else deal["amount"] * pct / 100
                left -= amount
                happened = signed + dt.timedelta(days=after)
                if trigger not in REACHED[state] or happened > self.today:
                    milestones.add(
                        contract_id=pk,
                        sequence=sequence,
                        kind=kind,
                        name=kind.replace("_", " ").title(),
                        percentage=Decimal(pct),
                        amount=amount,
                        trigger=trigger,
                        credit_days=30,
                        state="planned",
                    )
                    continue
                triggers.add(contract_id=pk, trigger=trigger, occurred_on=happened)
                due = happened + dt.timedelta(days=30)
                money, paid_on = self.payment(customer_id, kind, due)
                invoiced = amount if money != "due" else Decimal(0)
                paid = {"paid": amount, "partly_paid": (amount / 2).quantize(CENT)}.get(
                    money, Decimal(0)
                )
                milestone = milestones.add(
                    contract_id=pk,
                    sequence=sequence,
                    kind=kind,
                    name=kind.replace("_", " ").title(),
                    percentage=Decimal(pct),
                    amount=amount,
                    trigger=trigger,
                    credit_days=30,
                    triggered_on=happened,
                    due_date=due,
                    state=money,
                    invoiced_amount=invoiced,
                    paid_amount=paid,
                    settled_at=self.now if money == "paid" else None,
                )
                if invoiced:
                    number = invoices.next_id()
                    invoices.add(
                        id=number,
                        number=f"INV-{number:06d}",
                        contract_id=pk,
                        milestone_id=milestone,
                        customer_id=customer_id,
                        amount=invoiced,
                        issued_on=happened,
                        paid_amount=paid,
                        issued_by_id=finance,
                    )
                if paid:
                    receipt = receipts.next_id()
                    receipts.add(
                        id=receipt,
                        number=f"RCP-{receipt:06d}",
                        customer_id=customer_id,
                        contract_id=pk,
                        owner_id=owner,
                        org_unit_id=team_id,
                        amount=paid,
                        received_on=paid_on,
                        allocated_amount=paid,
                        recorded_by_id=finance,
                    )
                    allocations.add(
                        receipt_id=receipt,
                        milestone_id=milestone,
                        amount=paid,
                        created_by_id=finance,
                    )
        self.close(contracts, milestones, triggers, invoices, receipts, allocations)

    def payment(self, customer_id: int, kind: str, due: dt.date) -> tuple[str, dt.date | None]:
        """How a milestone due on `due` stands today, and the day it was paid: each customer
        pays each kind of milestone with its own habit (seed 001: down payments promptly,
        acceptance and warranty retention much later and less surely, ADR 29)."""
        rng = self.rng
        habits = self.pay_habits
        if customer_id not in habits:  # how much slower than usual, and a steady offset
            habits[customer_id] = (rng.lognormvariate(0, 0.45), rng.gauss(0, 4))
        slower, offset = habits[customer_id]
        mean, spread = DAYS_LATE[kind]
        late = round(mean * slower + offset + rng.gauss(0, spread))
        paid_on = due + dt.timedelta(days=max(late, -25))
        if rng.random() < NEVER_PAID[kind] or paid_on > self.today:
            if due < self.today and rng.random() < 0.1:
                return "partly_paid", min(due + dt.timedelta(days=max(late // 2, 0)), self.today)
            return pick(rng, [("invoiced", 60), ("due", 40)]), None
        return "paid", paid_on

    def activities(self) -> None:
        rng = self.rng
        activities = BulkWriter(Activity)
        opp_type = ContentType.objects.get_for_model(Opportunity).pk
        lead_type = ContentType.objects.get_for_model(Lead).pk
        for i in range(self.counts["activities"] if self.converted else 0):
            lead_id, (customer_id, owner, team_id, _key), opp = self.converted[
                i % len(self.converted)
            ]
            on_lead = rng.random() < 0.5
            occurred = self.days_ago(0, 700)
            activities.add(
                kind=rng.choice(["visit", "call", "email", "meeting", "demo"]),
                subject_type_id=lead_type if on_lead else opp_type,
                subject_id=lead_id if on_lead else opp,
                customer_id=customer_id,
                owner_id=owner,
                org_unit_id=team_id,
                occurred_at=occurred,
                summary="拜访客户，了解需求",
                next_step="提交方案" if rng.random() < 0.3 else "",
                next_step_date=occurred.date() + dt.timedelta(days=7),
                next_step_done_at=occurred if rng.random() < 0.8 else None,
                created_by_id=owner,
            )
        self.close(activities)

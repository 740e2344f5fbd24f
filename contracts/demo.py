"""Demo contracts: the won opportunity's contract in delivery (with a delivery plan, evidence,
an approved change and one waiting for the FR), a direct renewal, a framework agreement with a
call-off order, and a small contract closed through its close review and evaluated."""

import datetime as dt
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from core import gates
from core.choices import RiskLevel, Role
from core.demo import DemoContext, register

from .choices import AcceptanceRating, ContractKind, DirectBasis
from .models import Contract, DirectContractRule
from .services import (
    change_request_create,
    change_request_transition,
    close_review_open,
    contract_confirm,
    contract_create,
    contract_evaluate,
    contract_transition,
    contract_update,
    deliverable_create,
    deliverable_transition,
    direct_rule_create,
    document_upload,
    milestone_create,
    milestone_reach,
)

ANSWERS = {
    "negotiation": "Customer accepts the price of the extra nodes; same payment terms.",
    "technical_feasibility": "Same node model; the new site has power and fibre.",
    "schedule": "Acceptance moves by two weeks.",
    "cost_risk": "Hardware cost known; one extra installation crew.",
    "customer_satisfaction": "The customer is satisfied; renewal discussed.",
    # These contracts carry no payment plan (the battle map shows none): say so, not "paid".
    "collection": "No payment plan in the CRM; the single invoice was settled outside it.",
    "solution_delivered": "Delivered as designed.",
    "delivery_complete": "Every site installed and handed over.",
    "acceptance": "Accepted with two minor punch-list items, since closed.",
}


def _pdf(name: str) -> SimpleUploadedFile:
    body = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
    return SimpleUploadedFile(name, body, content_type="application/pdf")


def _plan(contract, by, steps, today):
    """Delivery milestones as (kind, name, days from today)."""
    return {
        kind: milestone_create(
            contract=contract,
            by=by,
            data={"kind": kind, "name": name, "planned_date": today + dt.timedelta(days=days)},
        )
        for kind, name, days in steps
    }


def _accept(contract, users):
    contract_confirm(contract=contract, by=users["ar.chen"])
    return contract_confirm(contract=contract, by=users["fr.wang"])


def _assess_all(review, users):
    for username, role in (("ar.chen", "ar"), ("sr.li", "sr"), ("fr.wang", "fr")):
        gates.gate_assess(
            review=review,
            by=users[username],
            role=role,
            verdict="go",
            confidence=80,
            risk_level=RiskLevel.LOW,
            topics={k: ANSWERS[k] for k, _label in gates.GATE_TOPICS[review.kind][role]},
        )
    review.refresh_from_db()
    return review


def _direct_rules(ctx: DemoContext) -> dict[str, DirectContractRule]:
    """The company's rules for contracts signed without an ATC of their own (ADR 14)."""
    admin, hq = ctx.data["users"]["admin"], ctx.data["units"]["hq"]
    rules = {}
    for kind, name, limit in (
        (DirectBasis.SMALL_ORDER, "Small orders and service contracts", "5000000.00"),
        (DirectBasis.RENEWAL, "Renewals of signed contracts", "5000000.00"),
        (DirectBasis.FRAMEWORK, "Framework agreements (ceilings, no order)", "20000000.00"),
        (DirectBasis.CALL_OFF, "Call-off orders under a signed framework", "5000000.00"),
    ):
        rules[kind] = direct_rule_create(
            by=admin,
            data={
                "name": name,
                "kind": kind,
                "org_unit": hq,
                "max_amount": Decimal(limit),
                "currency": "CNY",
                "roles": [Role.SALES_REP, Role.SALES_MANAGER],
            },
        )
    ctx.data["direct_rules"] = rules
    return rules


@register(40, "contracts")
def seed(ctx: DemoContext) -> None:
    users, customers = ctx.data["users"], ctx.data["customers"]
    ar, sr, fr = users["ar.chen"], users["sr.li"], users["fr.wang"]
    today = timezone.localdate()
    rules = _direct_rules(ctx)
    edge = Contract.objects.get(opportunity=ctx.data["won"][0])
    edge = contract_update(
        contract=edge,
        by=ar,
        data={
            "signed_on": today - dt.timedelta(days=45),
            "starts_on": today - dt.timedelta(days=45),
            "ends_on": today + dt.timedelta(days=2 * 365),
            "customer_reference": "CMCC-GD-2026-0815",
            "terms": "Supply, installation and two years of support for 40 edge nodes.",
        },
    )
    edge_plan = _plan(
        edge,
        fr,
        [
            ("shipment", "Shipment from the Dongguan warehouse", -30),
            ("arrival", "Arrival at the customer's sites", -20),
            ("installation", "Installation and commissioning", -5),
            ("acceptance", "Customer acceptance (验收)", 20),
            ("warranty_start", "Warranty start", 21),
            ("warranty_end", "Warranty end (质保期满)", 21 + 2 * 365),
        ],
        today,
    )
    nodes = deliverable_create(
        contract=edge,
        by=fr,
        data={
            "name": "Edge computing nodes",
            "quantity": Decimal("40"),
            "unit": "units",
            "owner": fr,
            "due_on": today - dt.timedelta(days=20),
        },
    )
    installation = deliverable_create(
        contract=edge,
        by=fr,
        data={
            "name": "Installation at 8 sites",
            "quantity": Decimal("8"),
            "unit": "sites",
            "owner": fr,
            "due_on": today - dt.timedelta(days=5),
        },
    )
    deliverable_create(
        contract=edge,
        by=fr,
        data={"name": "Operator training", "owner": sr, "due_on": today + dt.timedelta(days=15)},
    )
    renewal = contract_create(
        by=ar,
        sr=sr,
        fr=fr,
        data={
            "title": "Annual network maintenance 2026",
            "direct_rule": rules[DirectBasis.SMALL_ORDER],
            "customer": customers["ct-gd"],
            "amount": Decimal("960000.00"),
            "planned_cost": Decimal("610000.00"),
            "signed_on": today - dt.timedelta(days=120),
            "starts_on": today - dt.timedelta(days=115),
            # Ends within the renewal lead time: key-account planning opens its renewal.
            "ends_on": today + dt.timedelta(days=60),
            "payment_terms": "50% on signing (30 days), 50% on a fixed date.",
            "terms": "24×7 maintenance of the IP backbone, 4-hour on-site response.",
        },
    )
    renewal_plan = _plan(
        renewal,
        fr,
        [
            ("installation", "Service start and handover", -115),
            ("acceptance", "Annual service acceptance", 250),
        ],
        today,
    )
    framework = contract_create(
        by=ar,
        sr=sr,
        fr=fr,
        data={
            "title": "Spare parts framework agreement 2026–2027",
            "kind": ContractKind.FRAMEWORK,
            "direct_rule": rules[DirectBasis.FRAMEWORK],
            "customer": customers["cmcc-gd"],
            "amount": Decimal("2000000.00"),
            "signed_on": today - dt.timedelta(days=60),
            "starts_on": today - dt.timedelta(days=60),
            "ends_on": today + dt.timedelta(days=670),
            "terms": "Unit prices for spare line cards and optics; orders called off as needed.",
            "payment_terms": "Each call-off: 100% within 60 days of arrival.",
        },
    )
    ctx.data["contracts"] = {"edge": edge, "renewal": renewal}
    ctx.data["contract_extras"] = {
        "framework": framework,
        "edge_plan": edge_plan,
        "nodes": nodes,
        "installation": installation,
        "renewal_start": renewal_plan["installation"],
    }
    ctx.data["contract_steps"] = {
        "edge": ["sign", "confirm", "start_delivery"],
        "renewal": ["sign", "confirm", "start_delivery"],
    }

    # Signing happens after the payment plan exists (receivables seeds both), so that the
    # down payment falls due on signing like it does for users.
    def sign_contract(contract, steps):
        for step in steps:
            if step == "confirm":
                _accept(contract, users)
            else:
                contract_transition(contract=contract, name=step, by=ar if step == "sign" else fr)

    ctx.data["sign_contract"] = sign_contract


@register(60, "contract execution")
def seed_execution(ctx: DemoContext) -> None:
    users, customers = ctx.data["users"], ctx.data["customers"]
    ar, fr, director = users["ar.chen"], users["fr.wang"], users["dir.liu"]
    today = timezone.localdate()
    edge = Contract.objects.get(pk=ctx.data["contracts"]["edge"].pk)
    extras = ctx.data["contract_extras"]
    plan = extras["edge_plan"]

    # Delivery of the edge nodes: shipped and arrived (late), installation overdue.
    document_upload(
        contract=edge,
        by=ar,
        file=_pdf("signed-contract.pdf"),
        kind="signed_contract",
        title="Signed contract",
    )
    milestone_reach(milestone=plan["shipment"], by=fr, actual_date=today - dt.timedelta(days=28))
    milestone_reach(
        milestone=plan["arrival"],
        by=fr,
        actual_date=today - dt.timedelta(days=17),
        document=_pdf("arrival-certificate.pdf"),
        document_kind="arrival_certificate",
        comment="Signed by the customer's site engineers at all 8 sites.",
    )
    deliverable_transition(deliverable=extras["nodes"], name="complete", by=fr)
    deliverable_transition(deliverable=extras["installation"], name="start", by=fr)

    milestone_reach(
        milestone=extras["renewal_start"], by=fr, actual_date=today - dt.timedelta(days=115)
    )

    # An approved change (amendment v1) and one waiting for the FR's decision.
    extra_nodes = change_request_create(
        contract=edge,
        by=ar,
        data={
            "title": "Four more nodes for the Nansha site",
            "description": "The customer asks to add the new Nansha site to phase 1.",
            "customer_reference": "CMCC-GD-CR-0031",
            "new_amount": edge.amount + Decimal("380000.00"),
            "cost_impact": Decimal("270000.00"),
            "scope": "Add 4 edge nodes and their installation at the Nansha site.",
        },
        replans=[
            (plan[kind], plan[kind].planned_date + dt.timedelta(days=14))
            for kind in ("acceptance", "warranty_start", "warranty_end")
        ],
    )
    extra_nodes = change_request_transition(change=extra_nodes, name="take_up", by=fr)
    review = _assess_all(extra_nodes.review, users)
    gates.gate_decide(review=review, by=director, decision="go", comment="Approved by the office.")
    change_request_create(
        contract=edge,
        by=ar,
        data={
            "title": "Operator training online instead of on site",
            "description": "The customer prefers remote training sessions.",
            "scope": "Two remote sessions replace the on-site training.",
        },
    )

    # The framework agreement is signed and accepted; its first call-off order awaits the
    # confirmation of sales and delivery.
    framework = extras["framework"]
    contract_transition(contract=framework, name="sign", by=ar)
    _accept(framework, users)
    call_off = contract_create(
        by=ar,
        sr=users["sr.li"],
        fr=fr,
        data={
            "title": "Call-off 1: 120 line cards",
            "framework": framework,
            "direct_rule": ctx.data["direct_rules"][DirectBasis.CALL_OFF],
            "amount": Decimal("300000.00"),
            "signed_on": today - dt.timedelta(days=3),
        },
    )
    contract_transition(contract=call_off, name="sign", by=ar)

    # A small contract from start to evaluation.
    _pilot(users, customers["cmcc-gd"], today, ctx.data["direct_rules"])


def _pilot(users, customer, today, rules):
    ar, fr, manager = users["ar.chen"], users["fr.wang"], users["mgr.zhao"]
    start = today - dt.timedelta(days=200)
    pilot = contract_create(
        by=ar,
        sr=users["sr.li"],
        fr=fr,
        data={
            "title": "Campus Wi-Fi pilot",
            "direct_rule": rules[DirectBasis.SMALL_ORDER],
            "customer": customer,
            "amount": Decimal("180000.00"),
            "planned_cost": Decimal("130000.00"),
            "signed_on": start,
            "terms": "Wi-Fi 6 pilot at the Tianhe campus.",
        },
    )
    plan = _plan(
        pilot,
        fr,
        [
            ("arrival", "Arrival", -170),
            ("installation", "Installation", -160),
            ("acceptance", "Acceptance", -140),
        ],
        today,
    )
    kit = deliverable_create(contract=pilot, by=fr, data={"name": "12 access points", "owner": fr})
    contract_transition(contract=pilot, name="sign", by=ar)
    _accept(pilot, users)
    contract_transition(contract=pilot, name="start_delivery", by=fr)
    milestone_reach(
        milestone=plan["arrival"],
        by=fr,
        actual_date=today - dt.timedelta(days=168),
        document=_pdf("pilot-arrival.pdf"),
        document_kind="arrival_certificate",
    )
    milestone_reach(
        milestone=plan["installation"], by=fr, actual_date=today - dt.timedelta(days=160)
    )
    milestone_reach(
        milestone=plan["acceptance"],
        by=fr,
        actual_date=today - dt.timedelta(days=131),
        document=_pdf("pilot-acceptance.pdf"),
        document_kind="acceptance_certificate",
    )
    deliverable_transition(deliverable=kit, name="complete", by=fr)
    contract_transition(contract=pilot, name="deliver", by=fr)
    review = _assess_all(close_review_open(contract=pilot, by=fr), users)
    decider = users["dir.liu"] if review.escalated else manager
    gates.gate_decide(review=review, by=decider, decision="go", comment="Close it.")
    pilot.refresh_from_db()
    contract_evaluate(
        contract=pilot,
        by=fr,
        actual_cost=Decimal("138500.00"),
        acceptance_rating=AcceptanceRating.MINOR_ISSUES,
        lessons_learnt=(
            "Book the acceptance committee when installation starts: the customer's "
            "committee met nine days late. Ceiling mounts cost more than planned."
        ),
    )

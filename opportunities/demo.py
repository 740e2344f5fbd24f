"""Demo opportunities in every stage, with real gate reviews behind them, a product catalogue,
quotes (one waiting for special-price approval), bids, decision chains and competitors."""

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from core import gates
from core.choices import GateKind, RiskLevel, Role
from core.demo import DemoContext, register

from .models import Competitor, PricingRule, Product
from .services import (
    agreement_price_create,
    agreement_price_submit,
    bid_checklist_check,
    bid_create,
    bid_section_update,
    bid_send_reminders,
    bid_submit,
    bid_update,
    decision_chain_add,
    opportunity_close_reason_set,
    opportunity_competitor_add,
    opportunity_create,
    opportunity_create_from_lead,
    opportunity_transition,
    opportunity_update,
    quote_create,
    quote_decide,
    quote_submit,
)

ANSWERS = {
    "relationship": "Long-standing supplier; the CTO sponsors us.",
    "decision_chain": "Decision maker: deputy GM; procurement runs the tender.",
    "needs": "Capacity for 2027 traffic growth; energy saving.",
    "solution_fit": "Our platform covers 90% of the requirements.",
    "competition": "Two competitors, one strong on price.",
    "deliverability": "Equipment in stock; two delivery teams free.",
    "delivery_risk": "Site access permits may take four weeks.",
    "price_floor": "The approved quote: hardware at 20% off list.",
    "margin": "Gross margin just under 19%: below the office's floor.",
    "profitability": "Profitable at the agreed price, thin on hardware.",
    "payment_terms": "30% on signing, 30% on arrival, 30% on acceptance, 10% warranty.",
    "liabilities": "Penalty capped at 5% of contract value.",
    "schedule": "Delivery in 16 weeks after signing.",
    "cost_risk": "Low: fixed-price subcontracts.",
}

PRODUCTS = [
    # code, name, line, unit, list price, cost, tax %
    ("5G-BBU-01", "5G baseband unit", "Wireless", "set", "180000", "120000", "13"),
    ("RRU-32", "Remote radio unit, 32T32R", "Wireless", "set", "45000", "30000", "13"),
    ("CORE-RT", "Core router", "Network", "set", "320000", "210000", "13"),
    ("WIFI-AP7", "Wi-Fi 7 access point", "Campus", "piece", "2800", "1500", "13"),
    ("SVC-INST", "Installation and commissioning", "Services", "day", "3000", "1800", "6"),
    ("SVC-MAINT", "Annual maintenance", "Services", "year", "120000", "60000", "6"),
]

COMPETITORS = ["Hengtong Systems", "Nordwave Networks", "Pacific Cloud Tech", "Zhongke Links"]


def _assess_all(review, users, risk=RiskLevel.LOW):
    for role in ("ar", "sr", "fr"):
        user = review.team.seat(role)
        gates.gate_assess(
            review=review,
            by=user,
            role=role,
            verdict="go",
            confidence=75,
            risk_level=risk,
            notes="",
            topics={k: ANSWERS[k] for k, _label in gates.GATE_TOPICS[review.kind][role]},
        )


def _pass(opportunity, kind, users, decider):
    review = gates.gate_open(subject=opportunity, kind=kind, by=opportunity.owner)
    _assess_all(review, users)
    review.refresh_from_db()
    decider = users["dir.liu"] if review.escalated else decider
    gates.gate_decide(review=review, by=decider, decision="go", comment="Go ahead.")
    opportunity.refresh_from_db()
    return opportunity


def _advance(opportunity, steps, by):
    for step in steps:
        opportunity = opportunity_transition(opportunity=opportunity, name=step, by=by)
    return opportunity


def _catalogue(ctx: DemoContext) -> dict:
    units = ctx.data["units"]
    products = {
        code: Product.objects.create(
            code=code,
            name=name,
            product_line=line,
            unit=unit,
            list_price=Decimal(price),
            cost=Decimal(cost),
            tax_rate_pct=Decimal(tax),
        )
        for code, name, line, unit, price, cost, tax in PRODUCTS
    }
    PricingRule.objects.create(org_unit=units["hq"], max_discount_pct=Decimal("5"))
    PricingRule.objects.create(
        org_unit=units["gd"], role=Role.SALES_REP, max_discount_pct=Decimal("8")
    )
    PricingRule.objects.create(
        org_unit=units["gd"], role=Role.SALES_MANAGER, max_discount_pct=Decimal("20")
    )
    competitors = {name: Competitor.objects.create(name=name) for name in COMPETITORS}
    return {"products": products, "competitors": competitors}


def _people(opportunity, by, people):
    for name, title, role, stance, strength, coach in people:
        decision_chain_add(
            opportunity=opportunity,
            by=by,
            data={"role": role, "stance": stance, "relationship": strength, "coach_level": coach},
            new_contact={"name": name, "title": title},
        )


def _rivals(opportunity, by, competitors, rows):
    for name, threat, price, strengths, weaknesses in rows:
        opportunity_competitor_add(
            opportunity=opportunity,
            by=by,
            data={
                "competitor": competitors[name],
                "threat": threat,
                "price_position": price,
                "strengths": strengths,
                "weaknesses": weaknesses,
            },
        )


def _complete_bid(bid, users):
    for section in bid.sections.select_related("owner"):
        bid_section_update(section=section, by=section.owner, data={"status": "done"})
    for item in bid.checklist.all():
        bid_checklist_check(item=item, by=users["ar.chen"], done=True)


def _two_step_special_price_chain(users) -> None:
    """The administrator's special-price chain (ADR 17): the pricing approver as before, then
    the office's manager for a quote above CNY 5,000,000."""
    from core.approvals.chains import chain_for, chain_update

    from .approvals import PRICING_APPROVERS

    chain_update(
        chain=chain_for("special_price"),
        by=users["admin"],
        name="特价审批 Special price",
        steps=[
            {
                "name": "定价审批人 Pricing approver",
                "approver": {"type": "resolver", "name": PRICING_APPROVERS},
                "time_limit_hours": 24,
            },
            {
                "name": "代表处经理 Office manager",
                "condition": {"min_amount": "5000000", "currency": "CNY"},
                "approver": {"type": "role", "role": "sales_manager", "level": "office"},
                "time_limit_hours": 48,
                "escalate_to": {"type": "role", "role": "sales_manager", "level": "any"},
            },
        ],
    )


@register(30, "opportunities")
def seed(ctx: DemoContext) -> None:
    users, customers, leads = ctx.data["users"], ctx.data["customers"], ctx.data["leads"]
    ar, sr, fr, mgr = users["ar.chen"], users["sr.li"], users["fr.wang"], users["mgr.zhao"]
    today = timezone.localdate()
    now = timezone.now()
    catalogue = _catalogue(ctx)
    products, competitors = catalogue["products"], catalogue["competitors"]

    # The port: a special price approved, bid submitted after ATB, ATC escalated on margin.
    port = opportunity_create_from_lead(
        lead=leads[0],
        by=ar,
        sr=sr,
        fr=fr,
        data={
            "margin_pct": Decimal("26"),
            "down_payment_pct": Decimal("30"),
            "forecast_category": "commit",
            "expected_close_date": today + dt.timedelta(days=30),
        },
    )
    port = _pass(port, GateKind.ATI, users, mgr)
    port = _advance(port, ["start_guiding"], ar)
    _people(
        port,
        ar,
        [
            ("陈志远", "Deputy general manager", "decision_maker", "supporter", 3, "sways"),
            ("周敏", "Head of terminal IT", "technical_gatekeeper", "neutral", 2, "advises"),
            ("王磊", "Crane operations lead", "user", "supporter", 3, "informs"),
            ("李娜", "Finance director", "finance", "neutral", 1, "none"),
            ("赵强", "Procurement manager", "procurement", "opponent", 1, "none"),
        ],
    )
    _rivals(
        port,
        sr,
        competitors,
        [
            ("Hengtong Systems", "high", "below", "Aggressive price", "No private-5G reference"),
            ("Nordwave Networks", "medium", "above", "Strong brand", "Long delivery times"),
        ],
    )
    port = _advance(port, ["start_bidding"], ar)
    quote = quote_create(
        opportunity=port,
        by=ar,
        lines=[
            {"product": products["5G-BBU-01"], "quantity": 8, "discount_pct": 20},
            {"product": products["RRU-32"], "quantity": 24, "discount_pct": 20},
            {"product": products["SVC-INST"], "quantity": 60},
        ],
        data={"valid_until": today + dt.timedelta(days=60)},
    )
    quote_submit(quote=quote, by=ar, justification="Hengtong offered 22% below list.")
    quote_decide(quote=quote, by=mgr, decision="approve", reason="Strategic port account.")
    bid = bid_create(
        opportunity=port,
        by=ar,
        data={"deadline": now + dt.timedelta(days=3), "tender_reference": "GZPG-2026-5G-01"},
    )
    bid_update(bid=bid, by=ar, data={"quote": quote})
    _complete_bid(bid, users)
    port = _pass(port, GateKind.ATB, users, mgr)
    bid_submit(bid=bid, by=ar, notes="Handed in at the tender office.")
    port = _advance(port, ["award"], ar)
    port = opportunity_update(
        opportunity=port,
        by=ar,
        data={
            "payment_terms": ANSWERS["payment_terms"],
            "liability_cap_pct": Decimal("5"),
            "warranty_months": 24,
        },
    )
    atc = gates.gate_open(subject=port, kind=GateKind.ATC, by=ar)
    _assess_all(atc, users, risk=RiskLevel.MEDIUM)

    def direct(name, customer, amount, margin, down, owner=ar, seats=(sr, fr), **extra):
        return opportunity_create(
            by=owner,
            sr=seats[0],
            fr=seats[1],
            data={
                "name": name,
                "customer": customers[customer],
                "amount": Decimal(amount),
                "margin_pct": Decimal(margin),
                "down_payment_pct": Decimal(down),
                "expected_close_date": today + dt.timedelta(days=90),
                "product_line": "Network",
                **extra,
            },
        )

    renewal = direct(
        "IP backbone maintenance renewal",
        "ct-gd",
        "2400000",
        "32",
        "30",
        forecast_category="best_case",
    )
    renewal = _pass(renewal, GateKind.ATI, users, mgr)
    _advance(renewal, ["start_guiding"], ar)
    cto = customers["ct-gd"].contacts.get(name="郑海")
    decision_chain_add(
        opportunity=renewal,
        by=ar,
        data={
            "contact": cto,
            "role": "technical_gatekeeper",
            "stance": "supporter",
            "relationship": 4,
            "coach_level": "sways",
        },
    )
    _people(renewal, ar, [("孙立", "采购经理", "procurement", "neutral", 1, "none")])

    # Campus Wi-Fi: bidding, a special price waiting for mgr.zhao, a bid due in two days.
    campus = direct(
        "Smart campus Wi-Fi 7",
        "cmcc-gd",
        "1300000",
        "28",
        "30",
        expected_close_date=today + dt.timedelta(days=45),
    )
    campus = _pass(campus, GateKind.ATI, users, mgr)
    campus = _advance(campus, ["start_guiding", "start_bidding"], ar)
    _rivals(
        campus,
        ar,
        competitors,
        [("Pacific Cloud Tech", "high", "below", "Cloud-managed Wi-Fi", "Thin local support")],
    )
    pending = quote_create(
        opportunity=campus,
        by=ar,
        lines=[
            {"product": products["WIFI-AP7"], "quantity": 400, "discount_pct": 15},
            {"product": products["SVC-INST"], "quantity": 20},
        ],
    )
    _two_step_special_price_chain(users)
    quote_submit(quote=pending, by=ar, justification="Pacific Cloud quoted 15% under list.")
    campus_bid = bid_create(
        opportunity=campus,
        by=ar,
        data={"deadline": now + dt.timedelta(days=2), "tender_reference": "CMCC-GD-WIFI-07"},
    )
    technical = campus_bid.sections.get(kind="technical")
    bid_section_update(section=technical, by=sr, data={"status": "done"})
    bid_send_reminders()

    edge = direct("Edge computing nodes, phase 1", "cmcc-gd", "3800000", "27", "30")
    _rivals(
        edge,
        ar,
        competitors,
        [("Hengtong Systems", "medium", "below", "Price", "Weak edge software")],
    )
    edge = _pass(edge, GateKind.ATI, users, mgr)
    edge = _advance(edge, ["start_guiding", "start_bidding"], ar)
    edge = _pass(edge, GateKind.ATB, users, mgr)
    edge = _advance(edge, ["award"], ar)
    edge = _pass(edge, GateKind.ATC, users, mgr)
    opportunity_close_reason_set(
        opportunity=edge,
        by=ar,
        reason_code="solution",
        reason="Our edge software stack and local delivery team decided it.",
    )

    legacy = direct("Legacy switch replacement", "ct-gd", "1200000", "15", "0")
    _rivals(
        legacy,
        ar,
        competitors,
        [("Hengtong Systems", "high", "below", "18% cheaper", "Lower spec")],
    )
    opportunity_transition(
        opportunity=legacy,
        name="lose",
        by=ar,
        reason="Competitor undercut our price by 18%.",
        reason_code="price",
        lost_to=competitors["Hengtong Systems"],
    )

    hospital = direct(
        "Hospital data centre refresh", "gz-hospital", "3200000", "30", "20", owner=users["ar.he"]
    )
    gates.gate_open(subject=hospital, kind=GateKind.ATI, by=users["ar.he"])

    direct(
        "Fibre backbone upgrade, Wuxi",
        "cu-js",
        "5600000",
        "24",
        "20",
        owner=users["ar.zhou"],
        seats=(None, None),
    )
    _agreement_prices(ctx, products, ar, mgr, today)
    ctx.data["won"] = [edge]


def _agreement_prices(ctx: DemoContext, products, ar, mgr, today) -> None:
    """Two agreement prices (协议价): China Mobile Guangdong's BBU price, approved by the
    manager for the year, and a partner's access-point price waiting for approval."""
    from core.approvals.engine import open_request_for, request_decide

    bbu = products["5G-BBU-01"]
    agreed = agreement_price_create(
        by=ar,
        data={
            "customer": ctx.data["customers"]["cmcc-gd"],
            "product": bbu,
            "price": bbu.list_price * Decimal("0.85"),
            "valid_from": today.replace(month=1, day=1),
            "valid_to": today.replace(month=12, day=31),
        },
    )
    agreement_price_submit(price=agreed, by=ar)
    request_decide(
        request=open_request_for(agreed),
        by=mgr,
        decision="approve",
        comment="The frame agreement for the year.",
    )
    partners = ctx.data.get("partners") or []
    if partners:
        ap = products["WIFI-AP7"]
        waiting = agreement_price_create(
            by=ar,
            data={
                "partner": partners[0],
                "product": ap,
                "price": ap.list_price * Decimal("0.80"),
                "valid_from": today,
            },
        )
        agreement_price_submit(price=waiting, by=ar)

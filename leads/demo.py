"""Demo leads in every state of ML."""

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from accounts.choices import Industry
from accounts.services import activity_create
from core.demo import DemoContext, register
from core.saved_views import saved_view_save

from .choices import BuyingPattern, LeadSource
from .services import (
    capture_source_create,
    distribution_rule_create,
    lead_create,
    lead_transition,
    lead_update,
)

LEADS = [
    # title, customer key or company, source, amount, owner, steps, bant
    (
        "5G private network for smart port",
        "cmcc-gd",
        LeadSource.CUSTOMER_INBOUND,
        "8600000",
        "ar.chen",
        ["start_verification", "verify", "distribute", "start_nurturing"],
        True,
    ),
    (
        "Core network capacity expansion 2027",
        "ct-gd",
        LeadSource.MARKETING_EVENT,
        "12500000",
        "ar.chen",
        ["start_verification", "verify", "distribute"],
        True,
    ),
    (
        "Hospital data centre refresh",
        "gz-hospital",
        LeadSource.STAFF_REFERRAL,
        "3200000",
        "ar.he",
        ["start_verification", "verify"],
        True,
    ),
    (
        "Smart city IoT platform pilot",
        "sz-data",
        LeadSource.CHANNEL_PARTNER,
        "1800000",
        "ar.he",
        ["start_verification"],
        False,
    ),
    (
        "Fibre backbone upgrade, Suzhou",
        "cu-js",
        LeadSource.CUSTOMER_INBOUND,
        "6400000",
        "ar.zhou",
        ["start_verification", "verify", "distribute", "start_nurturing"],
        True,
    ),
    (
        "Campus Wi-Fi for a university",
        "华南理工大学",
        LeadSource.WEB_FORM,
        "900000",
        None,
        [],
        False,
    ),
    (
        "Video surveillance storage",
        "佛山市公安局",
        LeadSource.CHANNEL_PARTNER,
        "450000",
        "ar.he",
        ["start_verification", "disqualify"],
        False,
    ),
]


ACTIVITIES = [
    # lead index, kind, days ago, summary, outcome, next step, next step in days
    (
        0,
        "visit",
        20,
        "Site visit at the container terminal",
        "Cranes need < 20 ms latency",
        "Send the private-5G reference design",
        -3,
    ),
    (
        0,
        "demo",
        6,
        "Demo of the network slicing console",
        "CIO wants a pilot in Q1",
        "Agree the pilot scope",
        7,
    ),
    (
        1,
        "call",
        2,
        "Call with the procurement lead",
        "Tender expected in March",
        "Share the capacity model",
        5,
    ),
    (4, "meeting", 12, "Meeting with network planning", "Budget confirmed for 2027", "", None),
]


def _seed_rules(ctx: DemoContext) -> None:
    users, units = ctx.data["users"], ctx.data["units"]
    distribution_rule_create(
        by=users["dir.liu"],
        data={
            "name": "Education and healthcare to the government team",
            "org_unit": units["gd"],
            "priority": 10,
            "industry": "",
            "product_keywords": "Wi-Fi, 校园, 医院",
            "team": units["gd-gov"],
        },
        assignees=[users["ar.he"]],
    )
    distribution_rule_create(
        by=users["dir.liu"],
        data={
            "name": "Telecom operators to the carrier team",
            "org_unit": units["gd"],
            "priority": 20,
            "industry": Industry.TELECOM,
            "team": units["gd-carrier"],
        },
    )
    # The source's key is a secret: it is shown once to the administrator who creates a source
    # (admin or API), never printed by the demo.
    capture_source_create(
        by=users["admin"], name="www.huaxin.example contact form", org_unit=units["gd"]
    )


@register(20, "leads")
def seed(ctx: DemoContext) -> None:
    users, customers = ctx.data["users"], ctx.data["customers"]
    manager = users["mgr.zhao"]
    _seed_rules(ctx)
    for i, (title, company, source, amount, owner, steps, bant) in enumerate(LEADS):
        customer = customers.get(company)
        creator = users[owner] if owner else users["mgr.zhao"]
        lead = lead_create(
            by=creator,
            data={
                "title": title,
                "customer": customer,
                "company_name": "" if customer else company,
                "source": source,
                "estimated_amount": Decimal(amount),
                "need": title,
                "buying_pattern": BuyingPattern.CONTINUOUS
                if customer
                else BuyingPattern.OCCASIONAL,
                "expected_close_date": timezone.localdate() + dt.timedelta(days=60 + 30 * i),
                "owner": users[owner] if owner else None,
            },
        )
        if bant:
            lead = lead_update(
                lead=lead,
                by=creator,
                data={
                    "need_confirmed": True,
                    "budget_confirmed": True,
                    "authority_identified": True,
                    "timeline_confirmed": True,
                    "budget_amount": Decimal(amount),
                },
            )
        for step in steps:
            actor = manager if step == "distribute" else creator
            if step == "distribute" and lead.org_unit != manager.org_unit:
                actor = (
                    users["dir.liu"]
                    if lead.org_unit.path.startswith(users["dir.liu"].org_unit.path)
                    else users["admin"]
                )
            lead = lead_transition(
                lead=lead,
                name=step,
                by=actor,
                reason="No budget this year" if step == "disqualify" else "",
            )
        ctx.data.setdefault("leads", []).append(lead)
    leads = ctx.data["leads"]
    now = timezone.now()
    for index, kind, days_ago, summary, outcome, next_step, due in ACTIVITIES:
        lead = leads[index]
        activity_create(
            by=lead.owner,
            subject=lead,
            data={
                "kind": kind,
                "occurred_at": now - dt.timedelta(days=days_ago),
                "summary": summary,
                "outcome": outcome,
                "next_step": next_step,
                "next_step_date": (
                    timezone.localdate() + dt.timedelta(days=due) if due is not None else None
                ),
            },
        )
    saved_view_save(
        user=users["ar.chen"],
        page="leads:list",
        name="My open leads by score",
        query="mine=true&open=true&ordering=-score",
    )
    saved_view_save(
        user=manager,
        page="leads:list",
        name="Team pool",
        query="pool=true&open=true",
        shared=True,
    )

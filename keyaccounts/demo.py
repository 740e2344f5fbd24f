"""Demo key-account management: planning settings, tier criteria, profiles with purchase
drivers, two years of history (so renewals show recurring, new and churned revenue), targets
with an adjustment, commitments, an account plan, and the scheduled jobs run once."""

from __future__ import annotations

import contextlib
import datetime as dt
from decimal import Decimal
from unittest import mock

from django.utils import timezone

from contracts.choices import DirectBasis
from contracts.scripted import contract_run_to
from contracts.services import contract_create
from core.demo import DemoContext, register
from opportunities.services import opportunity_create

from .services import (
    account_plan_create,
    commitment_save,
    customer_tier_override,
    plan_action_create,
    plan_action_set_status,
    plan_target_set,
    planning_settings_save,
    profile_update,
    purchase_driver_create,
    renewal_opportunities_open,
    sales_target_adjust,
    sales_target_create,
    tier_criteria_create,
    tiers_recompute,
)

D = Decimal


@contextlib.contextmanager
def _on(day: dt.date):
    """Seed history as it happened: the services run with the clock set to `day`."""
    moment = timezone.make_aware(dt.datetime.combine(day, dt.time(10)))
    with mock.patch("django.utils.timezone.now", return_value=moment):
        yield


def _history(ctx: DemoContext, today: dt.date) -> None:
    users, customers = ctx.data["users"], ctx.data["customers"]
    ar, fr = users["ar.chen"], users["fr.wang"]
    rows = [
        # customer, title, amount, year offset, service months
        ("ct-gd", "Annual network maintenance", "900000", 2),
        ("ct-gd", "Annual network maintenance", "960000", 1),
        ("cmcc-gd", "Core network expansion", "4500000", 1),
        ("cmcc-gd", "Wireless optimisation", "1200000", 2),
        ("cu-js", "Transport network refresh", "2600000", 2),
    ]
    for key, title, amount, back in rows:
        year = today.year - back
        in_gd = key != "cu-js"
        owner = ar if in_gd else users["ar.zhou"]
        signed = dt.date(year, 2, 15)
        with _on(signed):
            contract = contract_create(
                by=owner,
                # each office's own people sit on its teams
                fr=fr if in_gd else users["fr.qian"],
                sr=users["sr.li"] if in_gd else users["sr.zhu"],
                data={
                    "title": f"{title} {year}",
                    "direct_rule": ctx.data["direct_rules"][DirectBasis.SMALL_ORDER],
                    "customer": customers[key],
                    "amount": D(amount),
                    "signed_on": signed,
                    "starts_on": dt.date(year, 3, 1),
                    "ends_on": dt.date(year, 12, 31),
                },
            )
        steps = [
            ("signed", signed),
            ("accepted", signed),
            ("in_delivery", dt.date(year, 3, 1)),
            ("delivered", dt.date(year, 5, 20)),
            ("closed", dt.date(year + 1, 1, 10)),
        ]
        for state, day in steps:
            with _on(day):
                contract = contract_run_to(
                    contract,
                    state,
                    decider=users["mgr.zhao"] if key != "cu-js" else users["mgr.wu"],
                )


@register(60, "keyaccounts")
def seed(ctx: DemoContext) -> None:
    users, units, customers = ctx.data["users"], ctx.data["units"], ctx.data["customers"]
    ar, mgr, director = users["ar.chen"], users["mgr.zhao"], users["dir.liu"]
    admin = users["admin"]
    today = timezone.localdate()
    year = today.year

    planning_settings_save(
        by=admin,
        org_unit=units["hq"],
        data={
            "high_potential_amount": D("5000000"),
            "strong_relationship_level": 4,
            "coverage_ratio": D("3.00"),
            "renewal_lead_days": 90,
        },
    )
    tier_criteria_create(
        by=admin,
        data={
            "name": "Company key-account standard 大客户标准",
            "org_unit": units["hq"],
            "strategic_min_revenue": D("5000000"),
            "strategic_min_potential": D("15000000"),
            "strategic_min_value": 5,
            "key_min_revenue": D("1000000"),
            "key_min_potential": D("3000000"),
            "key_min_value": 4,
        },
    )
    tier_criteria_create(
        by=director,
        data={
            "name": "Edge computing key accounts",
            "org_unit": units["gd"],
            "product_line": "Edge computing",
            "key_min_potential": D("2000000"),
        },
    )

    profiles = {
        "cmcc-gd": (
            "stable",
            4,
            5,
            [
                ("Mobile subscribers 移动用户数", "Network", "40000000", "subscribers", "0.30"),
                ("Base stations 基站数", "Edge computing", "20000", "sites", "500"),
            ],
        ),
        "ct-gd": (
            "formation",
            3,
            3,
            [
                ("Broadband subscribers 宽带用户数", "Network", "8000000", "subscribers", "0.50"),
            ],
        ),
        "gz-hospital": (
            "exploration",
            2,
            2,
            [
                ("Beds 床位数", "Data centre", "3000", "beds", "1000"),
            ],
        ),
        "sz-data": ("exploration", 1, 1, []),
        "cu-js": (
            "stable",
            4,
            3,
            [
                ("Transport nodes 传输节点", "Network", "4000", "nodes", "500"),
            ],
        ),
    }
    for key, (stage, level, value, drivers) in profiles.items():
        customer = customers[key]
        owner = customer.owner
        manager = director if key != "cu-js" else users["mgr.wu"]
        profile_update(
            customer=customer,
            by=manager,
            data={
                "relationship_stage": stage,
                "relationship_level": level,
                "strategic_value": value,
                "intelligence": "Decision maker: deputy GM; procurement runs tenders twice a year."
                if key == "cmcc-gd"
                else "",
            },
        )
        for name, line, volume, unit, per_unit in drivers:
            purchase_driver_create(
                customer=customer,
                by=owner,
                data={
                    "name": name,
                    "product_line": line,
                    "volume": D(volume),
                    "unit": unit,
                    "amount_per_unit": D(per_unit),
                },
            )

    _history(ctx, today)

    # Targets (定 / 收 / 回) for the year, decomposed, and one adjustment with its reason.
    for metric, amount in (
        ("orders", "30000000"),
        ("revenue", "20000000"),
        ("collections", "18000000"),
    ):
        sales_target_create(
            by=mgr,
            year=year,
            metric=metric,
            org_unit=units["gd-carrier"],
            amount=D(amount),
            split="quarters",
            quarter_weights=[D("20"), D("25"), D("25"), D("30")],
        )
    sales_target_create(
        by=director, year=year, metric="orders", org_unit=units["gd"], amount=D("45000000")
    )
    chen = sales_target_create(by=mgr, year=year, metric="orders", user=ar, amount=D("12000000"))
    sales_target_create(by=mgr, year=year, metric="collections", user=ar, amount=D("8000000"))
    sales_target_create(
        by=director, year=year, metric="orders", user=users["ar.he"], amount=D("6000000")
    )
    sales_target_adjust(
        target=chen,
        by=mgr,
        months={12: D("1500000"), 11: D("500000")},
        reason="China Mobile's tender moved from November to December.",
    )

    # Commitments: the past months of the year as they were made, and the current ones.
    for month in range(1, today.month + 1):
        with _on(dt.date(year, month, 1)):
            commitment_save(
                by=ar,
                year=year,
                period_kind="month",
                period=month,
                amount=D("800000") + D(month) * D("50000"),
            )
    quarter = (today.month - 1) // 3 + 1
    commitment_save(by=ar, year=year, period_kind="quarter", period=quarter, amount=D("3000000"))

    # An account plan for China Mobile Guangdong.
    plan = account_plan_create(
        by=ar,
        sr=users["sr.li"],
        fr=users["fr.wang"],
        data={
            "customer": customers["cmcc-gd"],
            "name": f"{year} China Mobile Guangdong",
            "starts_on": dt.date(year, 1, 1),
            "ends_on": dt.date(year, 12, 31),
            "strategy": "Core account: defend the wireless base, win edge computing phase 1-2.",
        },
    )
    plan_target_set(
        plan=plan,
        by=ar,
        product_line="Edge computing",
        target_amount=D("6000000"),
        floor_amount=D("3800000"),
    )
    plan_target_set(
        plan=plan,
        by=ar,
        product_line="Network",
        target_amount=D("4000000"),
        floor_amount=D("2000000"),
    )
    first = plan_action_create(
        plan=plan,
        by=ar,
        data={
            "title": "Edge computing POC with the network department",
            "owner": users["sr.li"],
            "due_on": today - dt.timedelta(days=20),
            "floor_target": "POC accepted",
            "product_line": "Edge computing",
        },
    )
    plan_action_set_status(action=first, by=users["sr.li"], status="done")
    plan_action_create(
        plan=plan,
        by=ar,
        data={
            "title": "Executive visit: deputy GM and our regional president",
            "owner": ar,
            "due_on": today + dt.timedelta(days=7),
            "floor_target": "Phase 2 scope agreed",
            "floor_amount": D("2000000"),
        },
    )
    plan_action_create(
        plan=plan,
        by=ar,
        data={
            "title": "Pre-bid guidance on the wireless tender",
            "owner": ar,
            "due_on": today - dt.timedelta(days=3),
            "product_line": "Network",
        },
    )

    # Deals expected to close before the year ends, so coverage has a pipeline to weigh.
    for owner, name, customer, amount in (
        (ar, "5G private network, Nansha port", "cmcc-gd", "8000000"),
        (users["ar.he"], "Smart-hospital data platform", "gz-hospital", "2500000"),
    ):
        opportunity_create(
            by=owner,
            data={
                "name": name,
                "customer": customers[customer],
                "amount": D(amount),
                "expected_close_date": dt.date(year, 12, 20),
                "product_line": "Network",
            },
        )

    # The current maintenance contract ends within the lead time: the daily job renews it.
    tiers_recompute()
    customer_tier_override(
        customer=customers["gz-hospital"],
        by=director,
        tier="key",
        reason="Provincial flagship hospital for the smart-hospital showcase.",
    )
    renewal_opportunities_open(today=today)

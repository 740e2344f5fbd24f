"""The shape of the scale data set: the default counts, the names it draws from, the
distributions of states and stages, and the payment plans."""

from __future__ import annotations

import random
from decimal import Decimal

PASSWORD = "ltc-bench-2026"
DEFAULTS = {
    "users": 2_000,
    "customers": 100_000,
    "leads": 1_000_000,
    "opportunities": 300_000,
    "contracts": 100_000,
    "milestones": 400_000,
    "activities": 500_000,
}
CITIES = ["广州", "深圳", "佛山", "东莞", "珠海", "南京", "苏州", "无锡", "杭州", "成都"]
TRADES = ["科技", "电子", "通信", "能源", "医疗", "物流", "软件", "制造", "电力", "银行"]
FORMS = ["有限公司", "股份有限公司", "有限责任公司", "Co., Ltd."]
PROVINCES = ["广东", "江苏", "浙江", "四川", "北京", "上海"]
INDUSTRIES = ["telecom", "government", "healthcare", "energy", "finance", "manufacturing"]
LEAD_STATES = [  # (state, weight) of the leads not converted into an opportunity
    ("new", 20),
    ("verifying", 12),
    ("verified", 8),
    ("distributed", 8),
    ("nurturing", 22),
    ("disqualified", 30),
]
OPEN_STAGE_WEIGHTS = [
    ("identified", 30),
    ("initiated", 15),
    ("guiding", 15),
    ("bidding", 15),
    ("bid_submitted", 10),
    ("negotiating", 15),
]
STAGE_ORDER = [s for s, _w in OPEN_STAGE_WEIGHTS] + ["won"]
CONTRACT_STATES = [
    ("signed", 5),
    ("accepted", 5),
    ("in_delivery", 40),
    ("delivered", 20),
    ("closed", 22),
    ("evaluated", 8),
]
#: Days late per milestone kind for a customer of usual habit: mean and spread (seed 001:
#: down payments come promptly, acceptance and warranty retention much later).
DAYS_LATE = {
    "down_payment": (1, 3),
    "arrival": (12, 8),
    "acceptance": (45, 15),
    "warranty": (80, 25),
    "custom": (20, 10),
}
#: The chance a milestone of each kind is never paid (still open years on).
NEVER_PAID = {
    "down_payment": 0.01,
    "arrival": 0.03,
    "acceptance": 0.06,
    "warranty": 0.15,
    "custom": 0.05,
}
PLANS = {  # milestones per contract → (kind, trigger, percentage, days after signing)
    1: [("down_payment", "on_signing", 100, 0)],
    2: [("down_payment", "on_signing", 50, 0), ("acceptance", "on_acceptance", 50, 150)],
    3: [
        ("down_payment", "on_signing", 30, 0),
        ("acceptance", "on_acceptance", 60, 150),
        ("warranty", "on_warranty_end", 10, 515),
    ],
    4: [
        ("down_payment", "on_signing", 30, 0),
        ("arrival", "on_arrival", 30, 60),
        ("acceptance", "on_acceptance", 30, 150),
        ("warranty", "on_warranty_end", 10, 515),
    ],
}
#: How far a contract in each state got: the triggers that happened.
REACHED = {
    "signed": {"on_signing"},
    "accepted": {"on_signing"},
    "in_delivery": {"on_signing", "on_arrival"},
    "delivered": {"on_signing", "on_arrival", "on_acceptance"},
    "closed": {"on_signing", "on_arrival", "on_acceptance", "on_warranty_end"},
    "evaluated": {"on_signing", "on_arrival", "on_acceptance", "on_warranty_end"},
}
CENT = Decimal("0.01")


def pick(rng: random.Random, weighted: list[tuple[str, int]]) -> str:
    return rng.choices([v for v, _w in weighted], weights=[w for _v, w in weighted])[0]

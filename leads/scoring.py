"""The lead score: a transparent 0–100, the sum of five parts, each with its reason.

- BANT completeness, up to 40: 10 each for budget confirmed, authority identified, need
  confirmed, timeline confirmed.
- Source, up to 15: staff referral 15, customer inbound 13, channel partner 10, marketing
  event 8, web form 6, import 4.
- Account tier, up to 15: strategic 15, key account 10, normal 5, no customer yet 0.
- Estimated amount, up to 15: from 10M 15, 5M 12, 1M 9, 100k 5, any 2, none 0 (in CNY;
  other currencies by a rough band factor — not a conversion of money).
- Recent activity, up to 15: the last activity within 7 days 15, 30 days 10, 90 days 5,
  older or none 0.

Services that change an input recompute the score (`lead_rescore`); a daily job recomputes
open leads so the activity part fades as activities age. The breakdown is stored on the lead
and shown on its page.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.choices import Tier
from core.money import format_money

from .choices import LeadSource

BANT = [
    ("budget_confirmed", _("Budget confirmed")),
    ("authority_identified", _("Authority identified")),
    ("need_confirmed", _("Need confirmed")),
    ("timeline_confirmed", _("Timeline confirmed")),
]
SOURCE_POINTS = {
    LeadSource.STAFF_REFERRAL: 15,
    LeadSource.CUSTOMER_INBOUND: 13,
    LeadSource.CHANNEL_PARTNER: 10,
    LeadSource.MARKETING_EVENT: 8,
    LeadSource.WEB_FORM: 6,
    LeadSource.IMPORT: 4,
}
TIER_POINTS = {Tier.STRATEGIC: 15, Tier.KEY: 10, Tier.NORMAL: 5}
AMOUNT_STEPS = [
    (Decimal("10000000"), 15),
    (Decimal("5000000"), 12),
    (Decimal("1000000"), 9),
    (Decimal("100000"), 5),
    (Decimal("0.01"), 2),
]
#: Rough bands, so a USD amount is not scored as if it were yuan. Not a conversion of money.
CURRENCY_BAND = {
    "CNY": Decimal(1),
    "HKD": Decimal(1),
    "USD": Decimal(7),
    "EUR": Decimal(8),
    "GBP": Decimal(9),
    "JPY": Decimal("0.05"),
}
ACTIVITY_STEPS = [(7, 15), (30, 10), (90, 5)]

#: The parts in display order: key, label, maximum.
PARTS = [
    ("bant", _("BANT completeness"), 40),
    ("source", _("Source"), 15),
    ("tier", _("Account tier"), 15),
    ("amount", _("Estimated amount"), 15),
    ("activity", _("Recent activity"), 15),
]


def _amount_points(lead) -> tuple[int, str]:
    amount = lead.estimated_amount
    if not amount:
        return 0, ""
    banded = amount * CURRENCY_BAND.get(lead.currency, Decimal(1))
    for threshold, points in AMOUNT_STEPS:
        if banded >= threshold:
            return points, f"{amount} {lead.currency}"
    return 0, f"{amount} {lead.currency}"


def _amount_text(basis: str) -> str:
    """A stored "12500000.00 CNY" as people read it: ¥12,500,000.00."""
    amount, _sep, currency = basis.partition(" ")
    try:
        return format_money(Decimal(amount), currency)
    except InvalidOperation:
        return basis


def _activity_points(last: dt.datetime | None, now: dt.datetime) -> tuple[int, str]:
    if last is None:
        return 0, ""
    days = max((now - last).days, 0)
    for limit, points in ACTIVITY_STEPS:
        if days <= limit:
            return points, str(days)
    return 0, str(days)


def compute(lead, *, tier: str | None = None, now: dt.datetime | None = None) -> tuple[int, dict]:
    """(score, breakdown) of a lead. `tier` is the customer's tier when the caller has it at
    hand (bulk imports); otherwise the lead's customer is read."""
    now = now or timezone.now()
    if tier is None and lead.customer_id:
        tier = lead.customer.tier
    bant = [key for key, _label in BANT if getattr(lead, key)]
    amount_points, amount_note = _amount_points(lead)
    activity_points, days = _activity_points(lead.last_activity_at, now)
    points = {
        "bant": (10 * len(bant), bant),
        "source": (SOURCE_POINTS.get(lead.source, 0), lead.source),
        "tier": (TIER_POINTS.get(tier, 0) if tier else 0, tier or ""),
        "amount": (amount_points, amount_note),
        "activity": (activity_points, days),
    }
    breakdown = {
        key: {"points": points[key][0], "max": maximum, "basis": points[key][1]}
        for key, _label, maximum in PARTS
    }
    return sum(p for p, _basis in points.values()), breakdown


def explain(lead) -> list[dict]:
    """The stored breakdown in words, for the lead's page."""
    from accounts.choices import Tier as TierChoices

    from .choices import LeadSource as Sources

    labels = dict(BANT)
    rows = []
    for key, label, maximum in PARTS:
        part = (lead.score_breakdown or {}).get(key, {"points": 0, "basis": ""})
        basis = part.get("basis")
        if key == "bant":
            text = ", ".join(str(labels[b]) for b in basis or [] if b in labels)
        elif key == "source":
            text = str(Sources(basis).label) if basis in Sources.values else ""
        elif key == "tier":
            text = str(TierChoices(basis).label) if basis in TierChoices.values else ""
        elif key == "activity":
            text = (_("%(days)s days ago") % {"days": basis}) if basis != "" else ""
        elif key == "amount" and basis:
            text = _amount_text(basis)
        else:
            text = basis or ""
        rows.append(
            {
                "key": key,
                "label": label,
                "points": part.get("points", 0),
                "max": maximum,
                "basis": text,
            }
        )
    return rows

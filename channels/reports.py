"""Channel reports (issue 21.7): pipeline and revenue by partner or tier, registration
conversion, target attainment and rebate liability. Each is one or a few aggregates in SQL
over the records the reader may see (the access policy), summed per currency."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from django.db.models import Count, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from core import policy
from core.money import quantize
from opportunities.choices import OPEN_STAGES, Stage
from opportunities.models import Opportunity
from partners.choices import PartnerRegistrationState as R
from partners.models import Partner, PartnerAgreement, PartnerRegistration

from .choices import StatementState as S
from .models import RebateStatement
from .selectors import booked_contracts, partner_receipts

ZERO = Decimal("0")
MONEY = Coalesce(Sum("amount"), Value(ZERO))
GROUPS = {
    "partner": ("partner_id", "partner__name", "partner__tier"),
    "tier": ("partner__tier",),
}


def _keyed(rows, prefix: str, group: tuple[str, ...]) -> dict:
    """{(group values..., currency): row} with the group's lookups read under `prefix`."""
    keyed = {}
    for row in rows:
        key = tuple(row[f"{prefix}{name}"] for name in group) + (row["currency"],)
        keyed[key] = row
    return keyed


def pipeline_and_revenue(
    user, *, year: int, by: str = "partner", action: str = "view"
) -> list[dict]:
    """Per partner (or tier) and currency: open pipeline (count, amount), won (closed in the year),
    booked (contracts signed in the year) and cash received in it."""
    group = GROUPS[by]
    opportunities = policy.restrict(
        Opportunity.objects.filter(partner__isnull=False), user, action
    ).filter(partner__in=_partners(user, action))
    pipeline = (
        opportunities.order_by()
        .values(*group, "currency")
        .annotate(
            open_count=Count("pk", filter=Q(state__in=OPEN_STAGES)),
            open_amount=Coalesce(Sum("amount", filter=Q(state__in=OPEN_STAGES)), Value(ZERO)),
            won_count=Count("pk", filter=Q(state=Stage.WON, closed_at__year=year)),
            won_amount=Coalesce(
                Sum("amount", filter=Q(state=Stage.WON, closed_at__year=year)),
                Value(ZERO),
            ),
        )
    )
    prefixed = tuple(f"opportunity__{name}" for name in group)
    booked = (
        policy.restrict(booked_contracts(), user, action)
        .filter(opportunity__partner__in=_partners(user, action), signed_on__year=year)
        .values(*prefixed, "currency")
        .annotate(total=MONEY)
    )
    cash_prefixed = tuple(f"contract__opportunity__{name}" for name in group)
    cash = (
        policy.restrict(partner_receipts(), user, action)
        .filter(contract__opportunity__partner__in=_partners(user, action), received_on__year=year)
        .values(*cash_prefixed, "currency")
        .annotate(total=MONEY)
    )
    rows: dict[tuple, dict] = defaultdict(dict)
    for key, row in _keyed(pipeline, "", group).items():
        rows[key].update(
            open_count=row["open_count"],
            open_amount=row["open_amount"],
            won_count=row["won_count"],
            won_amount=row["won_amount"],
        )
    for key, row in _keyed(booked, "opportunity__", group).items():
        rows[key]["booked_amount"] = row["total"]
    for key, row in _keyed(cash, "contract__opportunity__", group).items():
        rows[key]["cash_amount"] = row["total"]
    result = []
    for key, figures in sorted(rows.items(), key=lambda item: [str(v) for v in item[0]]):
        row = dict(zip((*group, "currency"), key, strict=True))
        result.append(
            {
                "partner": row.get("partner_id"),
                "partner_name": row.get("partner__name", ""),
                "tier": row["partner__tier"],
                "currency": row["currency"],
                "open_count": figures.get("open_count", 0),
                "open_amount": quantize(figures.get("open_amount", ZERO)),
                "won_count": figures.get("won_count", 0),
                "won_amount": quantize(figures.get("won_amount", ZERO)),
                "booked_amount": quantize(figures.get("booked_amount", ZERO)),
                "cash_amount": quantize(figures.get("cash_amount", ZERO)),
            }
        )
    return result


def _partners(user, action: str):
    return policy.restrict(Partner.objects.all(), user, action).values("pk")


def registration_conversion(user, *, year: int | None = None, action: str = "view") -> list[dict]:
    """Per partner: registrations submitted, approved, converted into an opportunity, and of
    those won."""
    registrations = policy.restrict(PartnerRegistration.objects.all(), user, action)
    if year is not None:
        registrations = registrations.filter(created_at__year=year)
    converted = Q(opportunity__isnull=False)
    rows = (
        registrations.values("partner_id", "partner__name", "partner__tier")
        .annotate(
            submitted=Count("pk"),
            approved=Count("pk", filter=Q(state=R.APPROVED)),
            converted=Count("pk", filter=converted),
            won=Count("pk", filter=converted & Q(opportunity__state=Stage.WON)),
        )
        .order_by("partner__name")
    )
    return [
        {
            "partner": row["partner_id"],
            "partner_name": row["partner__name"],
            "tier": row["partner__tier"],
            "submitted": row["submitted"],
            "approved": row["approved"],
            "converted": row["converted"],
            "won": row["won"],
            "conversion_pct": _pct(row["converted"], row["submitted"]),
        }
        for row in rows
    ]


def _pct(part, whole) -> Decimal | None:
    if not whole:
        return None
    return quantize(Decimal(part) * 100 / Decimal(whole))


def target_attainment(user, *, year: int, action: str = "view") -> list[dict]:
    """Per partner agreement of the year: its sales target against what was booked (contracts
    signed in the year, in the agreement's currency) and the attainment in percent."""
    booked = (
        booked_contracts()
        .filter(
            opportunity__partner=OuterRef("partner"),
            currency=OuterRef("currency"),
            signed_on__year=year,
        )
        .order_by()
        .values("opportunity__partner")
        .annotate(total=Sum("amount"))
        .values("total")
    )
    agreements = (
        policy.restrict(PartnerAgreement.objects.filter(year=year), user, action)
        .annotate(booked=Coalesce(Subquery(booked), Value(ZERO)))
        .values(
            "partner_id", "partner__name", "partner__tier", "currency", "target_amount", "booked"
        )
        .order_by("partner__name")
    )
    return [
        {
            "partner": row["partner_id"],
            "partner_name": row["partner__name"],
            "tier": row["partner__tier"],
            "currency": row["currency"],
            "target_amount": quantize(row["target_amount"]),
            "booked_amount": quantize(row["booked"]),
            "attainment_pct": _pct(row["booked"], row["target_amount"]),
        }
        for row in agreements
    ]


def rebate_liability(user, *, action: str = "view") -> list[dict]:
    """Per partner and currency: rebate accrued, settled, and owed (accrued − settled)."""
    rows = (
        policy.restrict(RebateStatement.objects.all(), user, action)
        .values("partner_id", "partner__name", "partner__tier", "currency")
        .annotate(
            accrued=MONEY,
            settled=Coalesce(Sum("amount", filter=Q(state=S.SETTLED)), Value(ZERO)),
        )
        .order_by("partner__name", "currency")
    )
    return [
        {
            "partner": row["partner_id"],
            "partner_name": row["partner__name"],
            "tier": row["partner__tier"],
            "currency": row["currency"],
            "accrued_amount": quantize(row["accrued"]),
            "settled_amount": quantize(row["settled"]),
            "liability_amount": quantize(row["accrued"] - row["settled"]),
        }
        for row in rows
    ]

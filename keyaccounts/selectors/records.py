"""Reads of key-account records: the lists (each through the access policy), the customer
matrix, the customer panel and a plan's performance."""

from __future__ import annotations

from decimal import Decimal

from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone

from accounts.models import Customer, OrgUnit, User
from core import policy

from ..choices import ActionStatus, Metric, Quadrant
from ..models import (
    AccountPlan,
    AccountProfile,
    Commitment,
    PlanAction,
    PlanningSettings,
    PlanTarget,
    PurchaseDriver,
    RenewalLink,
    SalesTarget,
    TargetAdjustment,
    TierChange,
    TierCriteria,
)
from . import metrics
from .periods import Period

ZERO = metrics.ZERO


def settings_list(*, user: User) -> QuerySet[PlanningSettings]:
    return policy.restrict(PlanningSettings.objects.select_related("org_unit"), user)


def criteria_list(*, user: User) -> QuerySet[TierCriteria]:
    return policy.restrict(TierCriteria.objects.select_related("org_unit"), user)


def profile_list(*, user: User) -> QuerySet[AccountProfile]:
    return policy.restrict(
        AccountProfile.objects.select_related(
            "customer", "customer__owner", "customer__org_unit", "tier_override_by"
        ),
        user,
    )


def driver_list(*, user: User) -> QuerySet[PurchaseDriver]:
    return policy.restrict(PurchaseDriver.objects.select_related("profile__customer"), user)


def tier_change_list(*, user: User) -> QuerySet[TierChange]:
    return policy.restrict(TierChange.objects.select_related("customer", "by"), user)


def plan_list(*, user: User) -> QuerySet[AccountPlan]:
    return policy.restrict(
        AccountPlan.objects.select_related("customer", "owner", "org_unit").prefetch_related(
            "team__members__user"
        ),
        user,
    )


def plan_target_list(*, user: User) -> QuerySet[PlanTarget]:
    return policy.restrict(PlanTarget.objects.select_related("plan"), user)


def action_list(*, user: User) -> QuerySet[PlanAction]:
    return policy.restrict(
        PlanAction.objects.select_related("plan", "plan__customer", "owner"), user
    )


def target_list(*, user: User) -> QuerySet[SalesTarget]:
    return policy.restrict(
        SalesTarget.objects.select_related("org_unit", "user").prefetch_related("months"), user
    )


def adjustment_list(*, user: User) -> QuerySet[TargetAdjustment]:
    return policy.restrict(TargetAdjustment.objects.select_related("target", "by"), user)


def commitment_list(*, user: User) -> QuerySet[Commitment]:
    return policy.restrict(
        Commitment.objects.select_related("user", "org_unit").prefetch_related("opportunities"),
        user,
    )


def renewal_list(*, user: User) -> QuerySet[RenewalLink]:
    return policy.restrict(
        RenewalLink.objects.select_related("contract", "opportunity", "contract__customer"), user
    )


def units_for(user: User) -> QuerySet[OrgUnit]:
    """The org units a user may filter by: their unit's subtree (everything for admins)."""
    if user.is_admin:
        return OrgUnit.objects.all()
    if user.org_unit is None:
        return OrgUnit.objects.none()
    return user.org_unit.subtree()


def people_for(user: User) -> QuerySet[User]:
    """The people whose figures a user may look at: everyone in their subtree for managers,
    finance and admins; themselves otherwise."""
    if user.is_admin:
        return User.objects.filter(is_active=True)
    if (user.is_manager or user.is_finance) and user.org_unit:
        return User.objects.filter(is_active=True, org_unit__path__startswith=user.org_unit.path)
    return User.objects.filter(pk=user.pk)


# --- The customer matrix ------------------------------------------------------------------


def matrix(*, user: User, unit: OrgUnit | None = None, tier: str | None = None) -> dict:
    """Key accounts by quadrant: count and potential per quadrant (SQL), and the accounts."""
    profiles = profile_list(user=user)
    if unit is not None:
        profiles = profiles.filter(customer__org_unit__path__startswith=unit.path)
    if tier:
        profiles = profiles.filter(customer__tier=tier)
    sums = {
        row["quadrant"]: row
        for row in profiles.values("quadrant").annotate(
            count=Count("pk"), potential=Sum("potential_amount")
        )
    }
    return {
        "quadrants": [
            {
                "quadrant": q.value,
                "label": str(q.label),
                "count": sums.get(q.value, {}).get("count", 0),
                "potential": sums.get(q.value, {}).get("potential") or ZERO,
            }
            for q in Quadrant
        ],
        "accounts": list(
            profiles.order_by("quadrant", "-potential_amount", "customer__name")[:500]
        ),
    }


def customer_panel(*, customer: Customer, user: User) -> dict | None:
    """What the customer page shows of key-account management."""
    profile = (
        AccountProfile.objects.filter(customer=customer).select_related("tier_override_by").first()
    )
    from ..services.accounts import settings_for

    return {
        "profile": profile,
        "settings": settings_for(customer.org_unit),
        "drivers": list(PurchaseDriver.objects.filter(profile=profile)) if profile else [],
        "tier_changes": list(
            TierChange.objects.filter(customer=customer).select_related("by")[:10]
        ),
        "plans": list(AccountPlan.objects.filter(customer=customer).order_by("-starts_on")[:5]),
        "may_change": policy.can(user, customer, "change"),
        "may_override": policy.may(user, "keyaccounts.override_tier", customer),
    }


# --- Account plans: actual against plan ---------------------------------------------------


def _pct(actual: Decimal, target: Decimal) -> Decimal | None:
    if not target:
        return None
    return (actual * 100 / target).quantize(Decimal("0.1"))


def plan_performance(*, plan: AccountPlan, user: User) -> dict:
    """Orders per product line against the plan's targets and floors, and the customer's
    orders, revenue and collections in the plan's period (all summed in SQL)."""
    period = Period(plan.starts_on, plan.ends_on)
    common = {"currency": plan.currency, "user": user, "customer": plan.customer}
    per_line = {
        (row["opportunity__product_line"] or ""): row["s"]
        for row in metrics.records(Metric.ORDERS, period, **common)
        .values("opportunity__product_line")
        .annotate(s=Sum("amount"))
    }
    rows = []
    for target in plan.targets.all():
        actual = per_line.pop(target.product_line, ZERO)
        rows.append(
            {
                "product_line": target.product_line,
                "target": target.target_amount,
                "floor": target.floor_amount,
                "actual": actual,
                "attainment_pct": _pct(actual, target.target_amount),
                "floor_met": actual >= target.floor_amount,
                "target_id": target.pk,
            }
        )
    for line, actual in sorted(per_line.items()):
        rows.append(
            {
                "product_line": line,
                "target": ZERO,
                "floor": ZERO,
                "actual": actual,
                "attainment_pct": None,
                "floor_met": True,
                "target_id": None,
            }
        )
    target_total = sum((r["target"] for r in rows), ZERO)
    orders = sum((r["actual"] for r in rows), ZERO)
    today = timezone.localdate()
    actions = plan.actions.aggregate(
        open=Count("pk", filter=Q(status=ActionStatus.OPEN)),
        overdue=Count("pk", filter=Q(status=ActionStatus.OPEN, due_on__lt=today)),
        done=Count("pk", filter=Q(status=ActionStatus.DONE)),
    )
    return {
        "products": rows,
        "target_total": target_total,
        "floor_total": sum((r["floor"] for r in rows), ZERO),
        "orders": orders,
        "attainment_pct": _pct(orders, target_total),
        "revenue": metrics.total(Metric.REVENUE, period, **common),
        "collections": metrics.total(Metric.COLLECTIONS, period, **common),
        "actions": actions,
    }

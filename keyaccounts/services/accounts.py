"""Writes on key accounts: planning settings, tier criteria, tiering (scheduled and by hand),
account profiles (relationship, strategic value) and the purchase drivers behind potential."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import DecimalField, OuterRef, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.choices import Tier
from accounts.models import Customer, OrgUnit, User
from accounts.services import customer_update
from core import locks, policy
from core.audit import audit_record
from core.errors import Forbidden, ValidationFailed
from core.money import quantize
from core.records import record_create, record_update

from ..choices import Metric, Quadrant, TierSource
from ..models import AccountProfile, PlanningSettings, PurchaseDriver, TierChange, TierCriteria
from ..selectors import metrics
from ..selectors.periods import Period
from ._common import require_manager

TIER_RANK = {Tier.NORMAL: 0, Tier.KEY: 1, Tier.STRATEGIC: 2}
MONEY = DecimalField(max_digits=18, decimal_places=2)


# --- Planning settings ---------------------------------------------------------------------


def settings_for(unit: OrgUnit | None) -> PlanningSettings:
    """The planning settings that apply to `unit`: its own or the nearest ancestor's; the
    defaults (unsaved) when no unit up the tree has any."""
    if unit is not None:
        ids = unit.ancestor_ids()
        found = {s.org_unit_id: s for s in PlanningSettings.objects.filter(org_unit_id__in=ids)}
        for pk in reversed(ids):
            if pk in found:
                return found[pk]
    return PlanningSettings(org_unit=unit) if unit is not None else PlanningSettings()


def planning_settings_save(
    *, by: User, org_unit: OrgUnit, data: dict[str, Any], expected_version: int | None = None
) -> PlanningSettings:
    """Create or change the planning settings of `org_unit` (a manager over it)."""
    require_manager(by, org_unit)
    with transaction.atomic():
        # "Create or change": the unit's lock makes a concurrent save wait, then change the
        # settings the first one created.
        locks.hold("keyaccounts.planning_settings", str(org_unit.pk))
        existing = PlanningSettings.objects.filter(org_unit=org_unit).first()
        if existing is None:
            return record_create(PlanningSettings, by=by, data={**data, "org_unit": org_unit})
        return record_update(existing, by=by, data=data, expected_version=expected_version)


# --- Tier criteria -------------------------------------------------------------------------


def _check_criteria(data: dict[str, Any]) -> None:
    key = [data.get(f"key_min_{m}") for m in ("revenue", "share_pct", "potential", "value")]
    if all(v is None for v in key):
        raise ValidationFailed(
            _("Set at least one threshold for key accounts."),
            fields={"key_min_revenue": [_("Set at least one key-account threshold.")]},
        )
    for measure in ("revenue", "share_pct", "potential", "value"):
        strategic, keyed = data.get(f"strategic_min_{measure}"), data.get(f"key_min_{measure}")
        if strategic is not None and keyed is not None and strategic < keyed:
            raise ValidationFailed(
                _("A strategic threshold cannot be below the key-account one."),
                fields={f"strategic_min_{measure}": [_("Below the key-account threshold.")]},
            )


def tier_criteria_create(*, by: User, data: dict[str, Any]) -> TierCriteria:
    """New tiering criteria for an org unit's subtree (a manager over that unit)."""
    require_manager(by, data.get("org_unit"))
    _check_criteria(data)
    return record_create(TierCriteria, by=by, data=data)


def tier_criteria_update(
    *, criteria: TierCriteria, by: User, data: dict[str, Any], expected_version: int | None = None
) -> TierCriteria:
    require_manager(by, data.get("org_unit", criteria.org_unit))
    merged = {
        f.name: getattr(criteria, f.name) for f in TierCriteria._meta.fields if "min_" in f.name
    }
    _check_criteria({**merged, **data})
    return record_update(criteria, by=by, data=data, expected_version=expected_version)


# --- Tiering -------------------------------------------------------------------------------


def _meets(value, threshold) -> bool:
    return value is not None and Decimal(value) >= Decimal(threshold)


def _tier_by(criteria: TierCriteria, figures: dict) -> str:
    for tier in (Tier.STRATEGIC, Tier.KEY):
        thresholds = criteria.thresholds(tier)
        if not thresholds:
            continue
        met = [_meets(figures[name], limit) for name, limit in thresholds.items()]
        if (criteria.match == "all" and all(met)) or (criteria.match != "all" and any(met)):
            return tier
    return Tier.NORMAL


def tier_evaluate(*, customer_ids: list[int] | None = None) -> dict[int, dict]:
    """What the active criteria say about each customer they cover (sums in SQL):
    {customer id: {"tier": tier, "criteria": {criteria id: figures and tier}}}.
    Customers no active criteria cover are absent."""
    today = timezone.localdate()
    result: dict[int, dict] = {}
    for criteria in TierCriteria.objects.filter(is_active=True).select_related("org_unit"):
        window = Period(today - dt.timedelta(days=criteria.lookback_days - 1), today)
        line = criteria.product_line or None
        revenue = (
            metrics.records(Metric.REVENUE, window, currency=criteria.currency, product_line=line)
            .filter(customer=OuterRef("pk"))
            .values("customer")
            .annotate(s=Sum("amount"))
            .values("s")
        )
        drivers = PurchaseDriver.objects.filter(
            profile__customer=OuterRef("pk"), currency=criteria.currency
        )
        if line:
            drivers = drivers.filter(product_line=line)
        potential = drivers.values("profile").annotate(s=Sum("expected_amount")).values("s")
        customers = (
            Customer.objects.filter(org_unit__in=metrics.subtree(criteria.org_unit))
            .annotate(
                revenue=Coalesce(Subquery(revenue, output_field=MONEY), Value(metrics.ZERO)),
                potential=Coalesce(Subquery(potential, output_field=MONEY), Value(metrics.ZERO)),
                strategic_value=Coalesce("profile__strategic_value", Value(0)),
            )
            .values("pk", "revenue", "potential", "strategic_value")
        )
        rows = list(customers)
        subtree_revenue = sum((r["revenue"] for r in rows), metrics.ZERO)
        for row in rows:
            share = (
                (row["revenue"] * 100 / subtree_revenue).quantize(Decimal("0.01"))
                if subtree_revenue
                else Decimal("0.00")
            )
            figures = {
                "revenue": quantize(row["revenue"]),
                "share_pct": share,
                "potential": quantize(row["potential"]),
                "strategic_value": row["strategic_value"],
            }
            tier = _tier_by(criteria, figures)
            entry = result.setdefault(row["pk"], {"tier": Tier.NORMAL, "criteria": {}})
            entry["criteria"][str(criteria.pk)] = {
                "name": criteria.name,
                "product_line": criteria.product_line,
                "currency": criteria.currency,
                "tier": tier,
                **{k: str(v) for k, v in figures.items()},
            }
            if TIER_RANK[tier] > TIER_RANK[entry["tier"]]:
                entry["tier"] = tier
    if customer_ids is not None:
        wanted = set(customer_ids)
        result = {pk: v for pk, v in result.items() if pk in wanted}
    return result


def _tier_apply(
    customer: Customer, *, tier: str, source: str, by: User | None, reason: str, basis: dict
) -> TierChange | None:
    """Set the customer's tier through the accounts service (audited) and keep the history.
    The tier is read again under the customer's row lock: two runs placing the customer at
    once record one change, not two."""
    locked = Customer.all_objects.select_for_update().values_list("tier", flat=True)
    before = locked.get(pk=customer.pk)
    if before == tier:
        customer.tier = tier
        return None
    customer.tier = before
    customer_update(customer=customer, by=by, data={"tier": tier})
    return TierChange.objects.create(
        customer=customer,
        from_tier=before,
        to_tier=tier,
        source=source,
        reason=reason,
        by=by,
        basis=basis,
    )


def profile_for(customer: Customer) -> AccountProfile:
    """The customer's key-account profile, made on first use in its unit's currency."""
    profile = AccountProfile.objects.filter(customer=customer).first()
    if profile is None:
        profile, _created = AccountProfile.objects.get_or_create(
            customer=customer, defaults={"currency": settings_for(customer.org_unit).currency}
        )
    return profile


def may_recompute_tiers(user: User | None) -> bool:
    """Whether `user` may have every tier recomputed now: an active administrator or sales
    manager (the criteria are theirs; the nightly job does the same for nobody)."""
    return bool(
        user is not None
        and user.is_authenticated
        and user.is_active
        and (policy.is_admin(user) or user.is_manager)
    )


def tiers_recompute(
    *, customer_ids: list[int] | None = None, by: User | None = None
) -> list[TierChange]:
    """Place every customer the criteria cover in its tier (the scheduled job; idempotent).
    A customer with a manual override keeps it; the criteria's verdict is still recorded.
    `by` is who asked for the run (None: the schedule), checked and kept on each change."""
    if by is not None and not may_recompute_tiers(by):
        raise Forbidden(_("Only a sales manager may recompute tiers."))
    now = timezone.now()
    evaluation = tier_evaluate(customer_ids=customer_ids)
    changes = []
    customers = Customer.objects.filter(pk__in=list(evaluation)).select_related("profile")
    for customer in customers.iterator(chunk_size=500):
        verdict = evaluation[customer.pk]
        with transaction.atomic():
            profile = profile_for(customer)
            AccountProfile.objects.filter(pk=profile.pk).update(
                tier_basis=verdict, tier_evaluated_at=now
            )
            if profile.tier_override:
                continue
            change = _tier_apply(
                customer,
                tier=verdict["tier"],
                source=TierSource.RULE,
                by=by,
                reason=_("Recomputed from the tier criteria."),
                basis=verdict,
            )
        if change:
            changes.append(change)
    return changes


def customer_tier_override(
    *, customer: Customer, by: User, tier: str, reason: str
) -> AccountProfile:
    """Put a customer in `tier` by hand (a manager over its unit), with a reason; the scheduled
    recomputation leaves it there until the override is cleared."""
    require_manager(by, customer.org_unit, _("Only a sales manager over this customer may."))
    if tier not in Tier.values:
        raise ValidationFailed(_("Unknown tier."), fields={"tier": [_("Unknown tier.")]})
    if not (reason or "").strip():
        raise ValidationFailed(_("A reason is required."), fields={"reason": [_("Required.")]})
    with transaction.atomic():
        profile = profile_for(customer)
        record_update(
            profile,
            by=by,
            data={"tier_override": tier, "tier_override_reason": reason, "tier_override_by": by},
        )
        _tier_apply(
            customer,
            tier=tier,
            source=TierSource.OVERRIDE,
            by=by,
            reason=reason,
            basis=profile.tier_basis or {},
        )
    return profile


def customer_tier_override_clear(
    *, customer: Customer, by: User, reason: str = ""
) -> AccountProfile:
    """Hand the customer's tier back to the criteria (recomputed at once)."""
    require_manager(by, customer.org_unit, _("Only a sales manager over this customer may."))
    with transaction.atomic():
        profile = profile_for(customer)
        if not profile.tier_override:
            return profile
        record_update(
            profile,
            by=by,
            data={"tier_override": "", "tier_override_reason": "", "tier_override_by": None},
        )
        verdict = tier_evaluate(customer_ids=[customer.pk]).get(customer.pk)
        if verdict is not None:
            _tier_apply(
                customer,
                tier=verdict["tier"],
                source=TierSource.OVERRIDE_CLEARED,
                by=by,
                reason=reason or _("Override cleared; the criteria decide again."),
                basis=verdict,
            )
    return profile


# --- Profiles and the customer matrix ------------------------------------------------------


def quadrant_of(profile: AccountProfile, settings: PlanningSettings) -> str:
    high = (
        profile.currency == settings.currency
        and profile.potential_amount >= settings.high_potential_amount
    )
    strong = profile.relationship_level >= settings.strong_relationship_level
    if high:
        return Quadrant.CORE if strong else Quadrant.GROWTH
    return Quadrant.LEVERAGE if strong else Quadrant.PROBLEM


def profile_refresh(profile: AccountProfile) -> AccountProfile:
    """Recompute potential (sum of the drivers' expected purchase, in SQL) and the quadrant."""
    potential = PurchaseDriver.objects.filter(profile=profile, currency=profile.currency).aggregate(
        s=Coalesce(Sum("expected_amount"), Value(metrics.ZERO), output_field=MONEY)
    )["s"]
    profile.potential_amount = potential
    profile.quadrant = quadrant_of(profile, settings_for(profile.customer.org_unit))
    AccountProfile.objects.filter(pk=profile.pk).update(
        potential_amount=profile.potential_amount, quadrant=profile.quadrant
    )
    return profile


def profile_update(
    *, customer: Customer, by: User, data: dict[str, Any], expected_version: int | None = None
) -> AccountProfile:
    """Change the relationship assessment or intelligence of a customer (whoever may change
    the customer); its strategic value is a manager's call."""
    if not policy.can(by, customer, "change"):
        raise Forbidden(_("You may not change this customer."))
    profile = profile_for(customer)
    if "strategic_value" in data and data["strategic_value"] != profile.strategic_value:
        require_manager(by, customer.org_unit, _("Only a sales manager sets strategic value."))
    with transaction.atomic():
        record_update(profile, by=by, data=data, expected_version=expected_version)
        profile_refresh(profile)
    return profile


def _driver_data(profile: AccountProfile, data: dict[str, Any]) -> dict[str, Any]:
    currency = data.get("currency") or profile.currency
    if currency != profile.currency:
        raise ValidationFailed(
            _("Drivers are kept in the profile's currency (%(currency)s).")
            % {"currency": profile.currency},
            fields={"currency": [_("Must be %(c)s.") % {"c": profile.currency}]},
        )
    return {**data, "currency": currency}


def _expected(driver: PurchaseDriver) -> Decimal:
    return quantize(Decimal(driver.volume) * Decimal(driver.amount_per_unit))


def purchase_driver_create(*, customer: Customer, by: User, data: dict[str, Any]) -> PurchaseDriver:
    """Add a purchase driver (e.g. subscribers × spend per subscriber) to the potential."""
    if not policy.can(by, customer, "change"):
        raise Forbidden(_("You may not change this customer."))
    with transaction.atomic():
        profile = profile_for(customer)
        data = _driver_data(profile, data)
        driver = record_create(PurchaseDriver, by=by, data={**data, "profile": profile})
        driver.expected_amount = _expected(driver)
        PurchaseDriver.objects.filter(pk=driver.pk).update(expected_amount=driver.expected_amount)
        profile_refresh(profile)
    return driver


def purchase_driver_update(
    *, driver: PurchaseDriver, by: User, data: dict[str, Any], expected_version: int | None = None
) -> PurchaseDriver:
    if not policy.can(by, driver, "change"):
        raise Forbidden(_("You may not change this customer."))
    with transaction.atomic():
        data = _driver_data(driver.profile, data)
        record_update(driver, by=by, data=data, expected_version=expected_version)
        driver.expected_amount = _expected(driver)
        PurchaseDriver.objects.filter(pk=driver.pk).update(expected_amount=driver.expected_amount)
        profile_refresh(driver.profile)
    return driver


def purchase_driver_delete(*, driver: PurchaseDriver, by: User) -> None:
    if not policy.can(by, driver, "change"):
        raise Forbidden(_("You may not change this customer."))
    with transaction.atomic():
        profile = driver.profile
        audit_record(
            target=profile,
            action="driver.removed",
            actor=by,
            changes={"driver": str(driver), "expected_amount": str(driver.expected_amount)},
        )
        driver.delete()
        profile_refresh(profile)

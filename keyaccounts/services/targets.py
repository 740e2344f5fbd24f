"""Writes on annual targets (定 / 收 / 回) and their decomposition, adjustments with reasons,
and reps' commitments (承诺)."""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import OrgUnit, User
from core import locks
from core.audit import audit_record
from core.errors import Conflict, Forbidden, ValidationFailed
from core.money import format_money, quantize, split_by_percentages
from core.records import insert_once, record_create, record_update

from ..choices import PeriodKind, Split
from ..models import Commitment, SalesTarget, TargetAdjustment, TargetMonth
from ..selectors import periods
from ._common import manages, require_manager

ZERO = Decimal("0.00")


def _even(amount: Decimal, parts: int) -> list[Decimal]:
    """`amount` in `parts` equal parts rounded to cents; the remainder goes to the last."""
    share = quantize(amount / parts)
    return [share] * (parts - 1) + [quantize(amount) - share * (parts - 1)]


def decompose(
    *,
    amount: Decimal | None,
    split: str = Split.EVEN,
    quarter_weights: list[Decimal] | None = None,
    months: list[Decimal] | None = None,
) -> list[Decimal]:
    """An annual amount as twelve monthly amounts that add up to it exactly.

    even: twelve equal months; quarters: the year by quarter weights (percent, adding up to
    100), each quarter evenly over its three months; months: the twelve amounts as given (the
    annual amount, if given too, must be their sum). Rounding remainders go to the last month
    of each split.
    """
    if split == Split.MONTHS:
        if not months or len(months) != 12:
            raise ValidationFailed(
                _("Give twelve monthly amounts."), fields={"months": [_("Twelve amounts.")]}
            )
        result = [quantize(m) for m in months]
        if any(m < 0 for m in result):
            raise ValidationFailed(
                _("Amounts must not be negative."), fields={"months": [_("Negative amount.")]}
            )
        if amount is not None and quantize(amount) != sum(result, ZERO):
            raise ValidationFailed(
                _("The months add up to %(sum)s, not %(amount)s.")
                % {"sum": format_money(sum(result, ZERO)), "amount": format_money(amount)},
                fields={"amount": [_("Must equal the sum of the months.")]},
            )
        return result
    if amount is None or quantize(amount) < 0:
        raise ValidationFailed(
            _("Give the annual amount."), fields={"amount": [_("Required, not negative.")]}
        )
    if split == Split.EVEN:
        return _even(Decimal(amount), 12)
    if split == Split.QUARTERS:
        weights = [Decimal(str(w)) for w in (quarter_weights or [])]
        if len(weights) != 4 or any(w < 0 for w in weights) or sum(weights) != 100:
            raise ValidationFailed(
                _("Give four quarter weights that add up to 100."),
                fields={"quarter_weights": [_("Four weights, total 100.")]},
            )
        result = []
        for quarter_amount in split_by_percentages(Decimal(amount), weights):
            result += _even(quarter_amount, 3)
        return result
    raise ValidationFailed(_("Unknown split."), fields={"split": [_("Unknown split.")]})


def sales_target_create(
    *,
    by: User,
    year: int,
    metric: str,
    org_unit: OrgUnit | None = None,
    user: User | None = None,
    currency: str = "CNY",
    amount: Decimal | None = None,
    split: str = Split.EVEN,
    quarter_weights: list[Decimal] | None = None,
    months: list[Decimal] | None = None,
    note: str = "",
) -> SalesTarget:
    """Set the annual target of an org unit or of one person (in their unit), decomposed into
    months. Only a sales manager over the unit sets targets."""
    if user is not None:
        org_unit = user.org_unit
    if org_unit is None:
        raise ValidationFailed(_("Choose the org unit."), fields={"org_unit": [_("Required.")]})
    require_manager(by, org_unit, _("Only a sales manager over this org unit sets its targets."))
    monthly = decompose(amount=amount, split=split, quarter_weights=quarter_weights, months=months)
    duplicate = SalesTarget.objects.filter(
        year=year, metric=metric, currency=currency, user=user, org_unit=org_unit
    )
    if user is not None:
        duplicate = SalesTarget.objects.filter(
            year=year, metric=metric, currency=currency, user=user
        )

    def refuse_second_target():
        if duplicate.exists():
            raise ValidationFailed(
                _("This target already exists; adjust it instead."),
                fields={"year": [_("Already set for this year and measure.")]},
            )

    refuse_second_target()
    with transaction.atomic():
        target = insert_once(  # one per unit or person, year and measure: unique constraints
            lambda: record_create(
                SalesTarget,
                by=by,
                data={
                    "year": year,
                    "metric": metric,
                    "org_unit": org_unit,
                    "user": user,
                    "currency": currency,
                    "amount": sum(monthly, ZERO),
                    "note": note,
                },
            ),
            refuse=refuse_second_target,
        )
        TargetMonth.objects.bulk_create(
            TargetMonth(target=target, month=i, amount=value)
            for i, value in enumerate(monthly, start=1)
        )
    return target


def sales_target_adjust(
    *, target: SalesTarget, by: User, months: dict[int, Decimal], reason: str
) -> TargetAdjustment:
    """Change some months of a target (目标动态调节): the annual amount follows, and the
    adjustment is kept with its reason."""
    require_manager(by, target.org_unit, _("Only a sales manager over this org unit may."))
    if not (reason or "").strip():
        raise ValidationFailed(_("A reason is required."), fields={"reason": [_("Required.")]})
    cleaned: dict[int, Decimal] = {}
    for month, value in (months or {}).items():
        month, value = int(month), quantize(value)
        if not 1 <= month <= 12 or value < 0:
            raise ValidationFailed(
                _("Invalid month or amount."), fields={"months": [_("Month 1–12, not negative.")]}
            )
        cleaned[month] = value
    if not cleaned:
        raise ValidationFailed(_("Nothing to adjust."), fields={"months": [_("Required.")]})
    with transaction.atomic():
        locked = SalesTarget.objects.select_for_update().get(pk=target.pk)
        rows = {m.month: m for m in TargetMonth.objects.filter(target=locked)}
        changes = {}
        for month, value in cleaned.items():
            row = rows[month]
            if row.amount != value:
                changes[str(month)] = [str(row.amount), str(value)]
                TargetMonth.objects.filter(pk=row.pk).update(amount=value)
        if not changes:
            raise ValidationFailed(
                _("These are the current amounts."), fields={"months": [_("Nothing changed.")]}
            )
        before = locked.amount
        after = sum((m.amount for m in TargetMonth.objects.filter(target=locked)), ZERO)
        record_update(locked, by=by, data={"amount": after})
        adjustment = TargetAdjustment.objects.create(
            target=locked,
            reason=reason,
            changes=changes,
            amount_before=before,
            amount_after=after,
            by=by,
        )
        audit_record(
            target=locked, action="target.adjusted", actor=by, comment=reason, changes=changes
        )
    target.refresh_from_db()
    return adjustment


def commitment_save(
    *,
    by: User,
    year: int,
    period_kind: str,
    period: int,
    amount: Decimal,
    user: User | None = None,
    metric: str = "orders",
    currency: str = "CNY",
    opportunities: list | None = None,
    note: str = "",
) -> Commitment:
    """Commit (承诺) an amount for a month or quarter that has not ended: a rep for themselves,
    or a manager for someone in their unit. Committing again to the same period changes it
    (audited); a past period's commitment stands as it was."""
    user = user or by
    if user.pk != by.pk and not manages(by, user.org_unit):
        raise Forbidden(_("You may commit only for yourself."))
    if user.org_unit is None:
        raise ValidationFailed(_("The person has no org unit."), fields={"user": [_("No unit.")]})
    limit = 12 if period_kind == PeriodKind.MONTH else 4
    if period_kind not in PeriodKind.values or not 1 <= int(period) <= limit:
        raise ValidationFailed(_("Invalid period."), fields={"period": [_("Out of range.")]})
    if periods.of(year, period_kind, period).end < timezone.localdate():
        raise Conflict(
            _("This period has ended; its commitment can no longer change."), code="period_closed"
        )
    amount = quantize(amount)
    if amount < 0:
        raise ValidationFailed(
            _("Invalid amount."), fields={"amount": [_("Must not be negative.")]}
        )
    foreign = [o for o in (opportunities or []) if o.owner_id != user.pk]
    if foreign:
        raise ValidationFailed(
            _("Commit only opportunities the person owns."),
            fields={"opportunities": [str(o) for o in foreign]},
        )
    key = {
        "user": user,
        "metric": metric,
        "year": year,
        "period_kind": period_kind,
        "period": period,
        "currency": currency,
    }
    with transaction.atomic():
        # Committing is "create or change": a lock on the period's key makes a concurrent
        # commit wait and then change what the first created (a row lock cannot lock a row
        # that does not exist yet).
        period_key = f"{user.pk}:{metric}:{year}:{period_kind}:{period}:{currency}"
        locks.hold("keyaccounts.commitment", period_key)
        existing = Commitment.objects.select_for_update().filter(**key).first()
        if existing is None:
            commitment = record_create(
                Commitment,
                by=by,
                data={**key, "org_unit": user.org_unit, "amount": amount, "note": note},
            )
        else:
            commitment = record_update(existing, by=by, data={"amount": amount, "note": note})
        if opportunities is not None:
            before = sorted(commitment.opportunities.values_list("pk", flat=True))
            after = sorted(o.pk for o in opportunities)
            if before != after:
                commitment.opportunities.set(opportunities)
                audit_record(
                    target=commitment,
                    action="updated",
                    actor=by,
                    changes={"opportunities": [before, after]},
                )
    return commitment

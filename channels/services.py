"""Writes of rebates (返利): schemes and their tiers, the accrual ledger fed by partner sales,
and statements issued and settled. Every write is one transaction with its audit."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from core import policy
from core.audit import audit_record
from core.errors import Conflict, Forbidden, ValidationFailed
from core.fsm import transition_run
from core.messages import label, message, money
from core.notifications import notify
from core.periods import Period
from partners.models import Partner, PartnerAgreement

from .choices import RebateBasis, RebateMeasure, RebatePeriod, SettlementMethod
from .choices import StatementState as S
from .models import RebateAccrual, RebateScheme, RebateStatement, RebateTier
from .schemes import Tier, rebate_for, tier_conflicts

ZERO = Decimal("0")
SCHEME_FIELDS = ("name", "measure", "period", "basis", "notes")
FIXED_ONCE_ACCRUED = ("measure", "period", "basis", "tiers")


# --- Schemes --------------------------------------------------------------------------------


def _decimal(value, field: str, index: int, errors: dict, *, required: bool) -> Decimal | None:
    if value in (None, ""):
        if required:
            errors.setdefault("tiers", []).append(
                _("Tier %(n)s: “%(field)s” is required.") % {"n": index, "field": field}
            )
        return None
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        number = None
    if number is None or not number.is_finite() or number < 0 or number >= Decimal("1e16"):
        errors.setdefault("tiers", []).append(
            _("Tier %(n)s: “%(field)s” must be a number of 0 or more.")
            % {"n": index, "field": field}
        )
        return None
    return number


def parse_tiers(rows: Any) -> list[Tier]:
    """The tiers as given (a list of {lower, upper, rate_pct | fixed_amount}), each checked on
    its own, then together: a 400 naming the tiers that overlap or leave a gap."""
    if not isinstance(rows, list | tuple) or not rows:
        raise ValidationFailed(
            _("Give the scheme at least one tier."), fields={"tiers": [_("At least one tier.")]}
        )
    errors: dict[str, list[str]] = {}
    tiers = []
    for index, row in enumerate(rows, start=1):
        if not isinstance(row, dict):
            errors.setdefault("tiers", []).append(_("Tier %(n)s is not an object.") % {"n": index})
            continue
        lower = _decimal(row.get("lower"), "lower", index, errors, required=True)
        upper = _decimal(row.get("upper"), "upper", index, errors, required=False)
        rate = _decimal(row.get("rate_pct"), "rate_pct", index, errors, required=False)
        fixed = _decimal(row.get("fixed_amount"), "fixed_amount", index, errors, required=False)
        if (rate is None) == (fixed is None) and "tiers" not in errors:
            errors.setdefault("tiers", []).append(
                _("Tier %(n)s: give a rate (%%) or a fixed amount, not both.") % {"n": index}
            )
        if rate is not None and rate > 100:
            errors.setdefault("tiers", []).append(
                _("Tier %(n)s: a rate is at most 100%%.") % {"n": index}
            )
        if lower is not None and upper is not None and upper <= lower:
            errors.setdefault("tiers", []).append(
                _("Tier %(n)s: “to” must be above “from”.") % {"n": index}
            )
        tiers.append(Tier(lower or ZERO, upper, rate, fixed))
    if errors:
        raise ValidationFailed("; ".join(errors["tiers"]), fields=errors)
    conflicts = tier_conflicts(tiers)
    if conflicts:
        raise ValidationFailed(
            " ".join(conflicts), code="rebate_tiers_conflict", fields={"tiers": conflicts}
        )
    return tiers


def _check_may_manage(by: User, agreement: PartnerAgreement) -> None:
    if not policy.may(by, "channels.manage_schemes", agreement.partner):
        raise Forbidden(_("You may not keep rebate schemes."))
    if not policy.can(by, agreement.partner, "change"):
        raise Forbidden(_("You may not change this partner's agreements."))


def _choice(data: dict, field: str, choices, errors: dict) -> None:
    if field in data and data[field] not in choices.values:
        errors[field] = [_("Choose one of: %(values)s.") % {"values": ", ".join(choices.values)}]


def _check_scheme_fields(data: dict) -> None:
    errors: dict[str, list[str]] = {}
    _choice(data, "measure", RebateMeasure, errors)
    _choice(data, "period", RebatePeriod, errors)
    _choice(data, "basis", RebateBasis, errors)
    if "name" in data and not str(data["name"] or "").strip():
        errors["name"] = [_("Required.")]
    if errors:
        raise ValidationFailed(_("Check the scheme's fields."), fields=errors)


def _write_tiers(scheme: RebateScheme, tiers: list[Tier]) -> None:
    scheme.tiers.all().delete()
    RebateTier.objects.bulk_create(
        RebateTier(
            scheme=scheme,
            lower=t.lower,
            upper=t.upper,
            rate_pct=t.rate_pct,
            fixed_amount=t.fixed_amount,
        )
        for t in tiers
    )


def _tiers_text(tiers: list[Tier]) -> list[str]:
    return [
        f"{t.text()} {f'{t.rate_pct}%' if t.rate_pct is not None else t.fixed_amount}"
        for t in tiers
    ]


def rebate_scheme_create(*, by: User, agreement: PartnerAgreement, data: dict) -> RebateScheme:
    """Attach a rebate scheme, with its tiers, to a partner's yearly agreement (one each)."""
    _check_may_manage(by, agreement)
    _check_scheme_fields({"name": "", **data})
    tiers = parse_tiers(data.get("tiers"))
    fields = {k: data[k] for k in SCHEME_FIELDS if k in data}
    try:
        with transaction.atomic():
            scheme = RebateScheme.objects.create(agreement=agreement, **fields)
            _write_tiers(scheme, tiers)
            audit_record(
                target=scheme,
                action="created",
                actor=by,
                changes={**fields, "tiers": _tiers_text(tiers)},
            )
            audit_record(
                target=agreement.partner,
                action="rebate.scheme_attached",
                actor=by,
                changes={"year": agreement.year, "scheme": scheme.name},
            )
    except IntegrityError as error:
        raise ValidationFailed(
            _("The %(year)s agreement has a rebate scheme already.") % {"year": agreement.year},
            code="rebate_scheme_exists",
            fields={"agreement": [_("It has a rebate scheme already.")]},
        ) from error
    return scheme


def rebate_scheme_update(*, by: User, scheme: RebateScheme, data: dict) -> RebateScheme:
    """Change a scheme. Once it has accrued, only its name and notes: the ledger was computed
    by its tiers, measure, period and basis (409 `rebate_scheme_in_use`)."""
    _check_may_manage(by, scheme.agreement)
    _check_scheme_fields(data)
    tiers = parse_tiers(data["tiers"]) if "tiers" in data else None
    with transaction.atomic():
        scheme = RebateScheme.objects.select_for_update().get(pk=scheme.pk)
        changing = [
            f
            for f in FIXED_ONCE_ACCRUED
            if f in data and (f == "tiers" or data[f] != getattr(scheme, f))
        ]
        if changing and RebateAccrual.objects.filter(period__scheme=scheme).exists():
            raise Conflict(
                _("The scheme has accrued already: its tiers, measure, period and basis stay."),
                code="rebate_scheme_in_use",
                fields={f: [_("Fixed once the scheme has accrued.")] for f in changing},
            )
        changes = {}
        for field in SCHEME_FIELDS:
            if field in data and data[field] != getattr(scheme, field):
                changes[field] = [getattr(scheme, field), data[field]]
                setattr(scheme, field, data[field])
        if tiers is not None:
            _write_tiers(scheme, tiers)
            changes["tiers"] = _tiers_text(tiers)
        scheme.version = F("version") + 1
        scheme.save()
        scheme.refresh_from_db()
        audit_record(target=scheme, action="updated", actor=by, changes=changes)
    return scheme


# --- Periods and statements -----------------------------------------------------------------


def period_of(scheme: RebateScheme, day: dt.date) -> Period:
    if scheme.period == RebatePeriod.YEAR:
        return Period(dt.date(day.year, 1, 1), dt.date(day.year, 12, 31))
    return Period.quarter(day.year, (day.month - 1) // 3 + 1)


def scheme_for(partner: Partner, day: dt.date) -> RebateScheme | None:
    """The scheme of the partner's agreement for the day's year, if it has one."""
    return (
        RebateScheme.objects.select_related("agreement")
        .filter(agreement__partner=partner, agreement__year=day.year)
        .first()
    )


def _base_volume(scheme: RebateScheme, partner: Partner, period: Period) -> Decimal | None:
    if scheme.measure != RebateMeasure.GROWTH:
        return None
    from .selectors import sales_volume  # reads sources of the earlier stages

    last_year = period_of(scheme, period.start.replace(year=period.start.year - 1))
    return sales_volume(
        partner_id=partner.pk,
        basis=scheme.basis,
        currency=scheme.currency,
        start=last_year.start,
        end=last_year.end,
    )


def statement_locked(partner: Partner, scheme: RebateScheme, day: dt.date) -> RebateStatement:
    """The partner's statement of the period holding `day`, made when missing, locked. Made
    under the one-per-period constraint: two callers at once get the same row."""
    period = period_of(scheme, day)
    found = RebateStatement.objects.select_for_update().filter(
        partner=partner, period_start=period.start
    )
    statement = found.first()
    if statement is not None:
        return statement
    try:
        with transaction.atomic():
            RebateStatement.objects.create(
                partner=partner,
                scheme=scheme,
                period_start=period.start,
                period_end=period.end,
                currency=scheme.currency,
                base_volume=_base_volume(scheme, partner, period),
            )
    except IntegrityError:
        pass  # made meanwhile by a concurrent booking: its row is ours to lock now
    return found.get()


def _next_draft(statement: RebateStatement) -> RebateStatement:
    """Where a frozen period's late change is paid: the partner's next draft statement, made
    for the following period when there is none (with that year's scheme, or the same)."""
    current = statement
    for _step in range(16):
        following = (
            RebateStatement.objects.select_for_update()
            .filter(partner_id=statement.partner_id, period_start__gt=current.period_start)
            .order_by("period_start")
            .first()
        )
        if following is None:
            day = current.period_end + dt.timedelta(days=1)
            scheme = scheme_for(statement.partner, day) or current.scheme
            following = statement_locked(statement.partner, scheme, day)
        if following.state == S.DRAFT:
            return following
        current = following
    raise Conflict(_("No open rebate statement to take the adjustment."))


# --- The accrual ledger ---------------------------------------------------------------------


def accrue(
    *,
    partner: Partner,
    basis: str,
    day: dt.date,
    volume: Decimal,
    currency: str,
    source: str,
    kind: str,
    reference: str = "",
) -> RebateAccrual | None:
    """Book one source event's sales into its period: the period's volume moves by `volume`,
    the scheme is re-applied to it (tiers are retroactive within a period) and the difference
    to what the period accrued is one ledger line. Once per `source` (a unique column; a
    repeat or a concurrent twin writes nothing). Nothing when the partner's agreement of that
    year has no scheme, counts the other basis, or is in another currency.

    Runs inside the caller's transaction (the hook of the event), under the period's lock."""
    scheme = scheme_for(partner, day)
    if scheme is None or scheme.basis != basis or scheme.currency != currency:
        return None
    tiers = [Tier(t.lower, t.upper, t.rate_pct, t.fixed_amount) for t in scheme.tiers.all()]
    with transaction.atomic():
        period = statement_locked(partner, scheme, day)
        new_volume = period.volume + volume
        new_rebate = rebate_for(
            tiers, measure=scheme.measure, volume=new_volume, base=period.base_volume
        )
        paid_on = period if period.state == S.DRAFT else _next_draft(period)
        try:
            with transaction.atomic():
                line = RebateAccrual.objects.create(
                    source=source,
                    kind=kind,
                    period=period,
                    statement=paid_on,
                    occurred_on=day,
                    reference=reference[:100],
                    currency=currency,
                    volume=volume,
                    amount=new_rebate - period.rebate,
                )
        except IntegrityError:
            return None  # accrued already (a repeated or concurrent event)
        RebateStatement.objects.filter(pk=period.pk).update(
            volume=new_volume, rebate=new_rebate, updated_at=timezone.now()
        )
        RebateStatement.objects.filter(pk=paid_on.pk).update(amount=F("amount") + line.amount)
    return line


def has_accrued(source: str) -> bool:
    return RebateAccrual.objects.filter(source=source).exists()


# --- Issue and settle -----------------------------------------------------------------------


def statement_issue(*, statement: RebateStatement, by: User | None = None) -> bool:
    """Close a draft statement whose period ended (the beat job): issued, frozen, its partner
    manager told. Returns False when it was issued already (a second or concurrent run)."""
    with transaction.atomic():
        locked = (
            RebateStatement.objects.select_for_update()
            .select_related("partner__manager")
            .filter(pk=statement.pk, state=S.DRAFT)
            .first()
        )
        if locked is None:
            return False
        locked.issued_at = timezone.now()
        transition_run(
            locked,
            "issue",
            by=by,
            internal=True,
            check_policy=False,
            update_fields=["issued_at"],
            comment=message("note.rebate_statement", amount=money(locked.amount, locked.currency)),
        )
        notify(
            recipients=[locked.partner.manager],
            kind="rebate.statement_issued",
            target=locked,
            url=locked.get_absolute_url(),
            message=message(
                "rebate.statement_issued",
                partner=str(locked.partner),
                amount=money(locked.amount, locked.currency),
            ),
        )
    return True


def statement_settle(
    *, statement: RebateStatement, by: User, method: str, reference: str
) -> RebateStatement:
    """Settle an issued statement by a credit note (红字发票/折让) or a payment, with its
    reference: audited, on the timeline; the statement is final."""
    if not policy.may(by, "channels.settle", statement):
        raise Forbidden(_("You may not settle rebate statements."))
    errors = {}
    if method not in SettlementMethod.values:
        errors["method"] = [
            _("Choose one of: %(values)s.") % {"values": ", ".join(SettlementMethod.values)}
        ]
    reference = str(reference or "").strip()
    if not reference:
        errors["reference"] = [_("Give the credit note's or the payment's reference.")]
    elif len(reference) > 100:
        errors["reference"] = [_("At most 100 characters.")]
    if errors:
        raise ValidationFailed(_("Say how the rebate was settled."), fields=errors)
    with transaction.atomic():
        locked = RebateStatement.objects.select_for_update().get(pk=statement.pk)
        if not policy.can(by, locked, "change"):
            raise Forbidden(_("You may not change this record."))
        locked.settlement_method = method
        locked.settlement_reference = reference
        locked.settled_at = timezone.now()
        locked.settled_by = by
        transition_run(
            locked,
            "settle",
            by=by,
            internal=True,
            update_fields=["settlement_method", "settlement_reference", "settled_at", "settled_by"],
            changes={"method": method, "reference": reference, "amount": str(locked.amount)},
            comment=message(
                "note.rebate_settled",
                amount=money(locked.amount, locked.currency),
                method=label(SettlementMethod, method),
                reference=reference,
            ),
        )
    return locked


def statements_due(today: dt.date) -> list[int]:
    """Draft statements whose period has ended."""
    return list(
        RebateStatement.objects.filter(state=S.DRAFT, period_end__lt=today)
        .order_by("period_end", "pk")
        .values_list("pk", flat=True)
    )


def statements_build(today: dt.date) -> int:
    """Make the statement of every ended period of every scheme, also where nothing was sold
    (the partner still gets its statement). Returns how many were made."""
    made = 0
    for scheme in RebateScheme.objects.select_related("agreement__partner").filter(
        agreement__year__lte=today.year
    ):
        year = scheme.agreement.year
        starts = [dt.date(year, 1, 1)]
        if scheme.period == RebatePeriod.QUARTER:
            starts = [dt.date(year, month, 1) for month in (1, 4, 7, 10)]
        for start in starts:
            if period_of(scheme, start).end >= today:
                continue
            partner = scheme.agreement.partner
            with transaction.atomic():
                before = RebateStatement.objects.filter(
                    partner=partner, period_start=start
                ).exists()
                statement_locked(partner, scheme, start)
                made += not before
    return made

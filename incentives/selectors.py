"""Reads of credit sharing: splits, credit lines, and the incentive report (targets vs
credited orders and cash), every figure summed in SQL and scoped by the access policy: a rep
sees their own credit, a manager their subtree's, an administrator everyone's."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Q, QuerySet, Sum
from django.utils.translation import gettext as _

from accounts.models import OrgUnit, User
from core import policy
from core.choices import Currency
from core.errors import ValidationFailed
from core.money import DEFAULT_CURRENCY
from core.params import QueryParams
from core.periods import Period
from keyaccounts.choices import Metric
from keyaccounts.models import SalesTarget, TargetMonth
from keyaccounts.selectors import periods

from .choices import CreditKind, ReportGrouping, SplitState
from .models import CreditLine, CreditSplit

ZERO = Decimal("0.00")
METRIC_OF = {Metric.ORDERS: "orders", Metric.COLLECTIONS: "cash"}


def split_list(*, user) -> QuerySet:
    return policy.restrict(
        CreditSplit.objects.select_related("opportunity", "requested_by"), user
    ).order_by("-id")


def split_in_force(opportunity) -> CreditSplit | None:
    return CreditSplit.objects.filter(opportunity=opportunity, state=SplitState.APPROVED).first()


def credit_line_list(*, user, action: str = "view") -> QuerySet:
    """The credit lines `user` may see: their own (the lines are private, ADR 23), or a
    subtree's for managers and finance, everyone's for administrators."""
    lines = policy.restrict(CreditLine.objects.all(), user, action)
    return lines.select_related("person", "contract", "org_unit").order_by("-credited_on", "-id")


@dataclass
class ReportRow:
    key: int
    name: str
    unit: str
    target_orders: Decimal
    credited_orders: Decimal
    target_cash: Decimal
    credited_cash: Decimal

    @staticmethod
    def attainment(done: Decimal, target: Decimal) -> Decimal | None:
        if not target:
            return None
        return (done * 100 / target).quantize(Decimal("0.1"))

    @property
    def orders_pct(self) -> Decimal | None:
        return self.attainment(self.credited_orders, self.target_orders)

    @property
    def cash_pct(self) -> Decimal | None:
        return self.attainment(self.credited_cash, self.target_cash)


def _month_q(period: Period, prefix: str = "target__") -> Q:
    """Target months inside `period` (it may span years)."""
    q = Q(pk__in=[])
    for year in range(period.start.year, period.end.year + 1):
        first = period.start.month if year == period.start.year else 1
        last = period.end.month if year == period.end.year else 12
        q |= Q(**{f"{prefix}year": year, "month__gte": first, "month__lte": last})
    return q


def _sums(lines: QuerySet, key: str) -> dict:
    rows = lines.values(key).annotate(
        orders=Sum("amount", filter=Q(kind=CreditKind.BOOKING)),
        cash=Sum("amount", filter=Q(kind=CreditKind.COLLECTION)),
    )
    return {r[key]: (r["orders"] or ZERO, r["cash"] or ZERO) for r in rows}


def _targets(months: QuerySet, key: str) -> dict:
    rows = months.values(key, "target__metric").annotate(s=Sum("amount"))
    found: dict = {}
    for r in rows:
        found.setdefault(r[key], {})[METRIC_OF[r["target__metric"]]] = r["s"] or ZERO
    return found


def report_unit(user, unit_id) -> OrgUnit | None:
    """The unit the report is about: the one asked for, if the user sees its subtree; else
    the user's own (None: the whole company, for administrators without a unit)."""
    if unit_id is None:
        return user.org_unit
    unit = OrgUnit.objects.filter(pk=unit_id).first()
    if unit is None or not (
        policy.is_admin(user) or (user.org_unit and user.org_unit.contains(unit))
    ):
        raise ValidationFailed(
            _("The report is not valid."),
            fields={"org_unit": [_("Not an org unit whose report you may read.")]},
        )
    return unit


@dataclass(frozen=True)
class ReportQuery:
    period: Period
    grouping: str
    unit: OrgUnit | None
    currency: str


def report_query(params, user) -> ReportQuery:
    """What the report is asked for: a period (`year` with `quarter` or `month`, or
    `date_from`/`date_to`), `grouping` person or team, `org_unit`, `currency` (default CNY).
    Bad input is a 400 naming the parameter."""
    query = QueryParams(params)
    period = periods.parse(params)
    grouping = params.get("grouping") or ReportGrouping.PERSON
    if grouping not in ReportGrouping.values:
        raise ValidationFailed(
            _("The report is not valid."), fields={"grouping": [_("Choose person or team.")]}
        )
    currency = (params.get("currency") or DEFAULT_CURRENCY).upper()
    if currency not in Currency.values:
        raise ValidationFailed(
            _("The report is not valid."), fields={"currency": [_("Unknown currency.")]}
        )
    unit_id = query.int("org_unit", min_value=1) if params.get("org_unit") else None
    return ReportQuery(period, grouping, report_unit(user, unit_id), currency)


def incentive_report(
    user,
    *,
    period: Period,
    grouping: str,
    unit: OrgUnit | None,
    currency: str,
    action: str = "view",
) -> list[ReportRow]:
    """One row per person (with credit or a target in the period), or per team (the unit and
    each unit below it, each with its subtree): targets against credited orders and cash."""
    lines = credit_line_list(user=user, action=action).filter(
        credited_on__gte=period.start, credited_on__lte=period.end, currency=currency
    )
    lines = lines.order_by()
    months = TargetMonth.objects.filter(
        _month_q(period),
        target__currency=currency,
        target__metric__in=list(METRIC_OF),
        target__in=policy.restrict(SalesTarget.objects.all(), user, action).values("pk"),
    )
    if unit is not None:
        lines = lines.filter(org_unit__path__startswith=unit.path)
        months = months.filter(target__org_unit__path__startswith=unit.path)
    if grouping == ReportGrouping.TEAM:
        return _team_rows(lines, months, unit)
    return _person_rows(user, lines, months, action)


def _person_rows(user, lines, months, action) -> list[ReportRow]:
    credited = _sums(lines, "person")
    whole, _root = policy.subtree_scope(CreditLine, user, action)
    months = months.filter(target__user__isnull=False)
    if not whole:
        months = months.filter(target__user=user)
    targets = _targets(months, "target__user")
    people = User.objects.filter(pk__in=set(credited) | set(targets)).select_related("org_unit")
    rows = [
        ReportRow(
            key=person.pk,
            name=str(person),
            unit=str(person.org_unit or ""),
            target_orders=targets.get(person.pk, {}).get("orders", ZERO),
            credited_orders=credited.get(person.pk, (ZERO, ZERO))[0],
            target_cash=targets.get(person.pk, {}).get("cash", ZERO),
            credited_cash=credited.get(person.pk, (ZERO, ZERO))[1],
        )
        for person in people
    ]
    return sorted(rows, key=lambda r: (-r.credited_orders, r.name))


def _team_rows(lines, months, unit) -> list[ReportRow]:
    teams = list(
        OrgUnit.objects.filter(Q(pk=unit.pk) | Q(parent=unit)).order_by("path")
        if unit is not None
        else OrgUnit.objects.filter(parent__isnull=True).order_by("path")
    )
    by_unit = _sums(lines, "org_unit")
    paths = dict(OrgUnit.objects.filter(pk__in=list(by_unit)).values_list("pk", "path"))
    targets = _targets(
        months.filter(target__user__isnull=True, target__org_unit__in=teams), "target__org_unit"
    )
    rows = []
    for team in teams:
        own = team.pk == getattr(unit, "pk", None)
        inside = [sums for pk, sums in by_unit.items() if paths.get(pk, "").startswith(team.path)]
        rows.append(
            ReportRow(
                key=team.pk,
                name=str(team),
                unit=str(team.parent or "") if not own else "",
                target_orders=targets.get(team.pk, {}).get("orders", ZERO),
                credited_orders=sum((s[0] for s in inside), ZERO),
                target_cash=targets.get(team.pk, {}).get("cash", ZERO),
                credited_cash=sum((s[1] for s in inside), ZERO),
            )
        )
    return rows

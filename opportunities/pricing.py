"""Quote arithmetic and pricing authority (CPQ-lite).

Amounts are Decimal, rounded to cents half up (`core.money.quantize`, ADR 2): each line's unit
price, then its amounts; the quote's totals are the sums of its lines, so a quote always adds
up exactly. A discount beyond the submitter's authority (the nearest `PricingRule`) makes the
quote a special price (特价) that a pricing approver must approve.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db import models

from accounts.models import OrgUnit, User
from core.choices import Role
from core.gates import managers_over
from core.money import quantize

from .choices import QuoteState
from .models import PricingRule, Quote

HUNDRED = Decimal("100")
PERCENT = Decimal("0.01")


def _pct(value: Decimal) -> Decimal:
    return value.quantize(PERCENT)


@dataclass(frozen=True)
class LineFigures:
    unit_price: Decimal
    list_amount: Decimal
    net_amount: Decimal
    tax_amount: Decimal
    cost_amount: Decimal


def line_figures(
    *,
    unit_list_price: Decimal,
    quantity: Decimal,
    discount_pct: Decimal,
    unit_cost: Decimal,
    tax_rate_pct: Decimal,
) -> LineFigures:
    """A line's amounts: the unit price after discount is rounded first, then multiplied."""
    unit_price = quantize(unit_list_price * (HUNDRED - discount_pct) / HUNDRED)
    net = quantize(unit_price * quantity)
    return LineFigures(
        unit_price=unit_price,
        list_amount=quantize(unit_list_price * quantity),
        net_amount=net,
        tax_amount=quantize(net * tax_rate_pct / HUNDRED),
        cost_amount=quantize(unit_cost * quantity),
    )


def quote_totals(lines) -> dict[str, Decimal | None]:
    """The totals of a quote from its lines (objects with the line amount attributes)."""
    zero = Decimal("0.00")
    list_total = sum((line.list_amount for line in lines), zero)
    net_total = sum((line.net_amount for line in lines), zero)
    tax_total = sum((line.tax_amount for line in lines), zero)
    cost_total = sum((line.cost_amount for line in lines), zero)
    margin = net_total - cost_total
    return {
        "list_total": list_total,
        "net_total": net_total,
        "tax_total": tax_total,
        "total": net_total + tax_total,
        "cost_total": cost_total,
        "margin_amount": margin,
        "margin_pct": _pct(margin * HUNDRED / net_total) if net_total else None,
        "discount_pct": (
            _pct((list_total - net_total) * HUNDRED / list_total) if list_total else Decimal(0)
        ),
        "max_line_discount_pct": max((line.discount_pct for line in lines), default=Decimal(0)),
    }


# --- Authority ---------------------------------------------------------------------------------


def _nearest(rules: list[PricingRule], org_unit: OrgUnit, role: str) -> PricingRule | None:
    if not rules:
        return None
    depth = {pk: i for i, pk in enumerate(org_unit.ancestor_ids())}
    return max(rules, key=lambda r: (depth[r.org_unit_id], r.role == role))


def pricing_rule_for(org_unit: OrgUnit, role: str) -> PricingRule | None:
    """The active rule nearest to `org_unit` up the tree for `role` (a rule for the role beats
    one for every role on the same unit)."""
    rules = list(
        PricingRule.objects.filter(
            org_unit_id__in=org_unit.ancestor_ids(), is_active=True, role__in=[role, ""]
        )
    )
    return _nearest(rules, org_unit, role)


def default_max_discount() -> Decimal:
    return Decimal(str(getattr(settings, "OPPORTUNITIES_DEFAULT_MAX_DISCOUNT_PCT", "10")))


def max_discount_for(user: User, org_unit: OrgUnit) -> Decimal:
    """The largest line discount (%) `user` may give on their own on a deal in `org_unit`."""
    rule = pricing_rule_for(org_unit, user.role)
    return rule.max_discount_pct if rule is not None else default_max_discount()


def configured_approver(org_unit: OrgUnit) -> User | None:
    """The pricing approver named by the nearest active rule that names one (特价审批专员)."""
    rules = list(
        PricingRule.objects.filter(
            org_unit_id__in=org_unit.ancestor_ids(),
            is_active=True,
            approver__isnull=False,
            approver__is_active=True,
        ).select_related("approver")
    )
    rule = _nearest(rules, org_unit, "")
    return rule.approver if rule is not None else None


def pricing_approvers(quote: Quote) -> list[User]:
    """Who is asked to approve a special price: the configured approver, or else the sales
    managers of the nearest level over the opportunity's unit."""
    unit = quote.opportunity.org_unit
    approver = configured_approver(unit)
    if approver is not None:
        return [approver]
    return list(managers_over(unit, nearest=True))


def may_approve_as_pricing_approver(user: User, quote: Quote) -> bool:
    """A pricing approver by today's rule: the configured approver, or a sales manager whose
    unit contains the opportunity's (the special-price chain's default step asks this)."""
    if not user.is_authenticated:
        return False
    unit = quote.opportunity.org_unit
    if (
        user.role == Role.SALES_MANAGER
        and user.org_unit_id
        and unit.path.startswith(user.org_unit.path)
    ):
        return True
    approver = configured_approver(unit)
    return approver is not None and approver.pk == user.pk


def may_approve_quote(user: User, quote: Quote) -> bool:
    """Whether `user` may decide the quote's special price now: the approval engine's answer
    for the step it waits on (a pricing approver on the default chain). Never the one who
    asked for the special price."""
    from core.approvals.choices import ApprovalKind
    from core.approvals.engine import may_decide, open_request_for

    if not user.is_authenticated or user.pk == quote.submitted_by_id:
        return False
    request = open_request_for(quote, ApprovalKind.SPECIAL_PRICE)
    if request is None:
        return False
    return may_decide(user, request)


def quotes_awaiting_approval_q(user: User) -> models.Q:
    """The filter for quotes waiting for `user`'s special-price decision."""
    pending = models.Q(state=QuoteState.PENDING_APPROVAL) & ~models.Q(submitted_by=user)
    scope = models.Q(pk__in=[])
    if user.role == Role.SALES_MANAGER and user.org_unit_id:
        scope |= models.Q(opportunity__org_unit__path__startswith=user.org_unit.path)
    approver_units = PricingRule.objects.filter(approver=user, is_active=True).values_list(
        "org_unit__path", flat=True
    )
    for path in approver_units:
        scope |= models.Q(opportunity__org_unit__path__startswith=path)
    scope |= models.Q(pk__in=_quotes_with_my_task(user))
    return pending & scope


def _quotes_with_my_task(user: User):
    """Quotes whose special-price request has a step waiting on `user` (a named approver, a
    stand-in, an escalation)."""
    from core.approvals.choices import ApprovalKind
    from core.approvals.selectors import tasks_waiting_on

    return (
        tasks_waiting_on(user)
        .filter(request__kind=ApprovalKind.SPECIAL_PRICE)
        .values("request__subject_id")
    )

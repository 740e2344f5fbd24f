"""Who may decide a gate: the authority rules (margin, size, payment terms, high risk) that
escalate a gate to the representative office, and the sales managers with authority there."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.apps import apps
from django.db import models

from ..choices import RiskLevel, Role
from ..messages import message, money, percent
from ..models import AuthorityRule, GateReview


def _decimal(value) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None


def authority_rule_for(org_unit, kind: str) -> AuthorityRule | None:
    """The active rule nearest to `org_unit` up the tree; a gate-specific rule beats a general one
    on the same unit."""
    chain = org_unit.ancestor_ids()
    rules = list(
        AuthorityRule.objects.filter(
            org_unit_id__in=chain, is_active=True, gate_kind__in=[kind, ""]
        ).select_related("org_unit")
    )
    if not rules:
        return None
    depth = {pk: i for i, pk in enumerate(chain)}
    return max(rules, key=lambda r: (depth[r.org_unit_id], r.gate_kind == kind))


def escalation_reasons(org_unit, kind: str, facts: dict, risk_levels: list[str]) -> list[dict]:
    """Why a gate is beyond the team's authority (empty when the team may decide), each a
    message code with parameters (core.messages), rendered in the reader's language."""
    rule = authority_rule_for(org_unit, kind)
    if rule is None:
        return []
    reasons = []
    amount = _decimal(facts.get("amount"))
    currency = facts.get("currency", rule.currency)
    if rule.max_amount is not None and amount is not None:
        if currency != rule.currency:
            reasons.append(message("reason.currency", currency=currency, limit=rule.currency))
        elif amount > rule.max_amount:
            reasons.append(
                message(
                    "reason.amount",
                    amount=money(amount, currency),
                    limit=money(rule.max_amount, rule.currency),
                )
            )
    margin = _decimal(facts.get("margin_pct"))
    if rule.min_margin_pct is not None and margin is not None and margin < rule.min_margin_pct:
        reasons.append(
            message("reason.margin", margin=percent(margin), floor=percent(rule.min_margin_pct))
        )
    down = _decimal(facts.get("down_payment_pct"))
    if (
        rule.min_down_payment_pct is not None
        and down is not None
        and down < rule.min_down_payment_pct
    ):
        reasons.append(
            message(
                "reason.down_payment", down=percent(down), floor=percent(rule.min_down_payment_pct)
            )
        )
    if rule.escalate_on_high_risk and RiskLevel.HIGH in risk_levels:
        reasons.append(message("reason.high_risk"))
    return reasons


def managers_over(org_unit, *, nearest: bool = False) -> models.QuerySet:
    """Active sales managers at `org_unit` or above it. With `nearest`, only those of the
    closest level that has any (the team's own manager before the office director), which is
    who gets told when something reaches that unit."""
    user_model = apps.get_model("accounts", "User")
    managers = user_model.objects.filter(
        role=Role.SALES_MANAGER, is_active=True, org_unit_id__in=org_unit.ancestor_ids()
    )
    if not nearest:
        return managers
    depth = managers.aggregate(deepest=models.Max("org_unit__depth"))["deepest"]
    return managers.filter(org_unit__depth=depth) if depth is not None else managers


def deciders(review: GateReview, *, nearest: bool = False) -> models.QuerySet:
    """The users who may decide this review: sales managers at its authority unit or above
    (with `nearest`, only the closest level: those notified)."""
    return managers_over(review.authority_unit, nearest=nearest)


def may_decide(user, review: GateReview) -> bool:
    return bool(
        user.is_authenticated
        and user.role == Role.SALES_MANAGER
        and user.org_unit_id
        and review.authority_unit.path.startswith(user.org_unit.path)
    )

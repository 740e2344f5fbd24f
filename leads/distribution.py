"""Who a lead should go to: the customer's account manager (客户报备), else the first matching
distribution rule (region, industry, product; round-robin inside the team), else nobody yet.

`route` decides; the services apply the decision (owner, org unit, audit, notification).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from django.db.models import F
from django.utils.translation import gettext as _

from accounts.models import Customer, OrgUnit, User
from core.choices import Role

from .models import DistributionRule, Lead

_SPLIT = re.compile(r"[,，、;；/\s]+")


@dataclass(frozen=True)
class Route:
    """Where a lead goes: an owner (or None: the team's pool), the org unit, and why."""

    owner: User | None
    org_unit: OrgUnit
    reason: str
    rule: DistributionRule | None = None


def _norm(text: str) -> str:
    return unicodedata.normalize("NFKC", text or "").strip().casefold()


def _tokens(text: str) -> list[str]:
    return [t for t in (_norm(p) for p in _SPLIT.split(text or "")) if t]


def matching_customer(company_key: str) -> Customer | None:
    """The customer a company name stands for: the one with that normalised name (one with an
    account manager first, then the oldest), else the one it is an alias of (广东移动)."""
    if not company_key:
        return None
    found = (
        Customer.objects.filter(normalised_name=company_key)
        .select_related("owner", "org_unit")
        .order_by(F("owner_id").asc(nulls_last=True), "pk")
        .first()
    )
    if found is None:
        found = (
            Customer.objects.filter(aliases__normalised_alias=company_key)
            .select_related("owner", "org_unit")
            .first()
        )
    return found


def lead_facts(lead: Lead) -> dict:
    """What the rules look at: region, industry and product words (the customer's when the
    lead does not say)."""
    customer = lead.customer if lead.customer_id else None
    return {
        "region": _norm(lead.region or (customer.region if customer else "")),
        "industry": lead.industry or (customer.industry if customer else ""),
        "product": _norm(f"{lead.product_interest} {lead.title}"),
    }


def rule_matches(rule: DistributionRule, facts: dict) -> bool:
    regions = _tokens(rule.regions)
    if regions and not any(r in facts["region"] for r in regions if facts["region"]):
        return False
    if rule.industry and rule.industry != facts["industry"]:
        return False
    keywords = _tokens(rule.product_keywords)
    return not (keywords and not any(k in facts["product"] for k in keywords))


def rules_for(unit: OrgUnit):
    """Active rules that apply to leads filed in `unit`: by priority, the nearest unit first."""
    return (
        DistributionRule.objects.filter(is_active=True, org_unit_id__in=unit.ancestor_ids())
        .select_related("team", "org_unit")
        .order_by("priority", "-org_unit__depth", "id")
    )


def _candidates(rule: DistributionRule) -> list[User]:
    """Who takes the rule's leads in turn: its active assignees, else the team's active reps."""
    people = list(rule.assignees.filter(is_active=True).select_related("org_unit").order_by("pk"))
    if not people:
        people = list(
            User.objects.filter(org_unit=rule.team, role=Role.SALES_REP, is_active=True)
            .select_related("org_unit")
            .order_by("pk")
        )
    return people


def _after(people: list[User], last_id: int | None) -> User | None:
    """The one after `last_id` in turn (the first again after the last)."""
    if not people:
        return None
    return next((p for p in people if last_id and p.pk > last_id), people[0])


def next_assignee(rule: DistributionRule) -> User | None:
    """The next person in turn (round-robin). Locks the rule so two leads routed at the same
    moment go to two people."""
    locked = DistributionRule.objects.select_for_update().get(pk=rule.pk)
    chosen = _after(_candidates(locked), locked.last_assigned_id)
    if chosen is not None:
        DistributionRule.objects.filter(pk=locked.pk).update(last_assigned=chosen)
    return chosen


@dataclass
class _Turn:
    """A rule's people and whose turn it was, as an import takes the turns in memory."""

    people: list[User]
    last_id: int | None  # the last one given a lead
    saved_id: int | None  # the last one the rule's row says


class BulkRouter:
    """Routes many leads in one transaction (an import) as `route` routes them one after
    another, in the same order and with the same turns, but with each unit's rules read once
    and each rule locked, its people read and its turn written once.

    Routing each lead alone updated the rule's row once per lead; inside one transaction every
    update leaves a version of the row that the next lock and update walk past, so an import
    of 10,000 leads took a minute (158 leads/s). The rules stay locked, as before, until the
    import commits; `save_turns` writes each rule's last turn (call it before the commit)."""

    def __init__(self):
        self._rules: dict[int, list[DistributionRule]] = {}
        self._turns: dict[int, _Turn] = {}

    def rules(self, unit: OrgUnit) -> list[DistributionRule]:
        if unit.pk not in self._rules:
            self._rules[unit.pk] = list(rules_for(unit))
        return self._rules[unit.pk]

    def assignee(self, rule: DistributionRule) -> User | None:
        turn = self._turns.get(rule.pk)
        if turn is None:
            locked = DistributionRule.objects.select_for_update().get(pk=rule.pk)
            last = locked.last_assigned_id
            turn = self._turns[rule.pk] = _Turn(_candidates(locked), last, last)
        chosen = _after(turn.people, turn.last_id)
        if chosen is not None:
            turn.last_id = chosen.pk
        return chosen

    def route(self, lead: Lead, *, by: User | None = None) -> Route | None:
        return route(lead, by=by, rules=self.rules, assignee=self.assignee)

    def save_turns(self) -> None:
        for rule_id, turn in self._turns.items():
            if turn.last_id != turn.saved_id:
                DistributionRule.objects.filter(pk=rule_id).update(last_assigned_id=turn.last_id)
                turn.saved_id = turn.last_id


def route(lead: Lead, *, by: User | None = None, rules=None, assignee=None) -> Route | None:
    """Where `lead` should go, or None when nothing decides (it stays where it is).

    Call inside a transaction: picking a round-robin assignee takes the rule's turn.
    `rules` and `assignee` replace `rules_for` and `next_assignee` (`BulkRouter`'s, for many
    leads in one transaction).
    """
    rules, assignee = rules or rules_for, assignee or next_assignee
    customer = lead.customer if lead.customer_id else None
    if customer is not None and customer.owner_id and customer.owner.is_active:
        return Route(
            owner=customer.owner,
            org_unit=customer.org_unit,
            reason=_("Account %(customer)s is registered to %(owner)s (客户报备).")
            % {"customer": customer, "owner": customer.owner},
        )
    facts = lead_facts(lead)
    for rule in rules(lead.org_unit):
        if not rule_matches(rule, facts):
            continue
        owner = assignee(rule) if rule.assign_owner else None
        return Route(
            owner=owner,
            org_unit=owner.org_unit if owner and owner.org_unit_id else rule.team,
            reason=_("Distribution rule “%(rule)s”.") % {"rule": rule.name},
            rule=rule,
        )
    return None

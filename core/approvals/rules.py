"""The approval rules: when a step applies (its condition against the request's facts), who
approves it (its approver spec), who may decide it, whose tasks go to whom while they are
away; and the named permissions of approvals (`policy.may`)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

from django.apps import apps
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext as _

from ..choices import GateKind, OrgUnitKind, Role, TriangleRole
from ..policy import is_admin, rule
from . import registry
from .choices import ApproverType, RoleLevel

CONDITION_KEYS = (
    "min_amount",
    "max_amount",
    "currency",
    "max_margin_pct",
    "min_discount_pct",
    "product_lines",
    "org_unit",
    "customer_tiers",
    "industries",
    "regions",
    "gate_kinds",
    "escalated",
)
SEATS = (TriangleRole.AR, TriangleRole.SR, TriangleRole.FR)
#: Delegations followed at most this deep (cycles are refused when made; this is a fuse).
MAX_DELEGATION_DEPTH = 10


def _users():
    return apps.get_model("accounts", "User").objects.filter(is_active=True)


def _decimal(value) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError, TypeError):
        return None
    return number if number.is_finite() else None


# --- Conditions ----------------------------------------------------------------------------


def condition_matches(condition: dict, facts: dict, org_unit) -> bool:
    """Whether a step applies to a request with these facts in `org_unit`. A threshold whose
    fact the request does not carry does not match (the step is skipped)."""
    condition = condition or {}
    amount = _decimal(facts.get("amount"))
    if condition.get("currency") and facts.get("currency") != condition["currency"]:
        return False
    for key, compare in (("min_amount", "ge"), ("max_amount", "le")):
        limit = _decimal(condition.get(key))
        if limit is None:
            continue
        if amount is None or (amount < limit if compare == "ge" else amount > limit):
            return False
    margin_cap = _decimal(condition.get("max_margin_pct"))
    if margin_cap is not None:
        margin = _decimal(facts.get("margin_pct"))
        if margin is None or margin > margin_cap:
            return False
    discount_floor = _decimal(condition.get("min_discount_pct"))
    if discount_floor is not None:
        discount = _decimal(facts.get("discount_pct"))
        if discount is None or discount < discount_floor:
            return False
    lines = condition.get("product_lines") or []
    if lines and not set(lines) & set(facts.get("product_lines") or []):
        return False
    tiers = condition.get("customer_tiers") or []
    if tiers and facts.get("customer_tier") not in tiers:
        return False
    industries = condition.get("industries") or []
    if industries and facts.get("industry") not in industries:
        return False
    regions = condition.get("regions") or []
    if regions and facts.get("region") not in regions:
        return False
    gate_kinds = condition.get("gate_kinds") or []
    if gate_kinds and facts.get("gate") not in gate_kinds:
        return False
    escalated = condition.get("escalated")
    if escalated is not None and bool(facts.get("escalated")) != escalated:
        return False
    unit_id = condition.get("org_unit")
    return not unit_id or int(unit_id) in org_unit.ancestor_ids()


def condition_errors(condition) -> dict[str, list[str]]:
    """What is wrong with a condition as input: {key: [messages]}."""
    if condition in (None, ""):
        return {}
    if not isinstance(condition, dict):
        return {"condition": [_("Give the condition as an object.")]}
    errors: dict[str, list[str]] = {}
    for key in condition:
        if key not in CONDITION_KEYS:
            errors[key] = [_("Unknown condition.")]
    for key in ("min_amount", "max_amount", "max_margin_pct", "min_discount_pct"):
        if condition.get(key) not in (None, "") and _decimal(condition[key]) is None:
            errors[key] = [_("Enter a number.")]
    for key in ("product_lines", "customer_tiers", "industries", "regions"):
        value = condition.get(key)
        if value not in (None, "") and not (
            isinstance(value, list) and all(isinstance(v, str) for v in value)
        ):
            errors[key] = [_("Give a list of names.")]
    gate_kinds = condition.get("gate_kinds")
    if gate_kinds not in (None, "") and not (
        isinstance(gate_kinds, list) and gate_kinds and set(gate_kinds) <= set(GateKind.values)
    ):
        errors["gate_kinds"] = [_("Give a list of gates: ati, atb, atc, change, close.")]
    if condition.get("escalated") is not None and not isinstance(condition["escalated"], bool):
        errors["escalated"] = [_("Say true or false.")]
    unit = condition.get("org_unit")
    if unit not in (None, ""):
        org_unit_model = apps.get_model("accounts", "OrgUnit")
        if not isinstance(unit, int) or not org_unit_model.objects.filter(pk=unit).exists():
            errors["org_unit"] = [_("No such org unit.")]
    return errors


# --- Approvers -----------------------------------------------------------------------------


def _level_unit(org_unit, level: str):
    """The unit a role approver is taken from for `level` (None: the whole chain above)."""
    if level == RoleLevel.OFFICE:
        return org_unit.office()
    if level == RoleLevel.REGION:
        org_unit_model = apps.get_model("accounts", "OrgUnit")
        units = org_unit_model.objects.filter(
            pk__in=org_unit.ancestor_ids(), kind=OrgUnitKind.REGION
        )
        return units.order_by("-depth").first()
    return None


def _role_holders(spec: dict, org_unit) -> models.QuerySet:
    level = spec.get("level") or RoleLevel.NEAREST
    holders = _users().filter(role=spec.get("role"), org_unit_id__in=org_unit.ancestor_ids())
    if level in (RoleLevel.OFFICE, RoleLevel.REGION):
        unit = _level_unit(org_unit, level)
        return holders.filter(org_unit=unit) if unit is not None else holders.none()
    if level == RoleLevel.NEAREST:
        depth = holders.aggregate(deepest=models.Max("org_unit__depth"))["deepest"]
        return holders.filter(org_unit__depth=depth) if depth is not None else holders.none()
    return holders


def requester_may_decide(request) -> bool:
    """Whether the kind lets its requester decide too: a gate's request is opened by whoever
    opened the review, who may have the gate's authority (as before chains were data)."""
    adapter = registry.kind_adapter(request.kind)
    allowed = adapter.extra.get("requester_may_decide") if adapter is not None else False
    return bool(allowed(request) if callable(allowed) else allowed)


def approvers_for(spec: dict, request) -> list:
    """The people a step's approver spec names for `request` (before delegation; never the
    requester)."""
    kind = (spec or {}).get("type")
    found: list = []
    if kind == ApproverType.ROLE:
        found = list(_role_holders(spec, request.org_unit).order_by("id"))
    elif kind == ApproverType.USER:
        found = list(_users().filter(pk=spec.get("user")))
    elif kind == ApproverType.SEAT:
        adapter = registry.kind_adapter(request.kind)
        subject = registry.subject_of(request)
        if adapter and adapter.seat_holder and subject is not None:
            holder = adapter.seat_holder(subject, spec.get("seat"))
            found = [holder] if holder is not None and holder.is_active else []
    elif kind == ApproverType.RESOLVER:
        named = registry.resolver(spec.get("name", ""))
        found = list(named.approvers(request)) if named else []
    if requester_may_decide(request):
        return found
    return [user for user in found if user.pk != request.requester_id]


def eligible(user, spec: dict, request) -> bool:
    """Whether `user` may decide an any-of step with this spec though not asked: someone the
    spec names, or one above them in the org chain with the same role (as a manager above the
    team may decide the team's special price today). Never the requester."""
    if not user.is_authenticated or (
        user.pk == request.requester_id and not requester_may_decide(request)
    ):
        return False
    kind = (spec or {}).get("type")
    if kind == ApproverType.ROLE:
        if user.role != spec.get("role") or not user.org_unit_id:
            return False
        level_unit = _level_unit(request.org_unit, spec.get("level") or "")
        unit = level_unit or request.org_unit
        return unit.path.startswith(user.org_unit.path)
    if kind == ApproverType.RESOLVER:
        named = registry.resolver(spec.get("name", ""))
        if named is None:
            return False
        if named.eligible is not None:
            return bool(named.eligible(user, request))
        return any(u.pk == user.pk for u in named.approvers(request))
    return any(u.pk == user.pk for u in approvers_for(spec, request))


def spec_errors(spec) -> list[str]:
    """Why an approver spec can name nobody ("no possible approver"), as messages (empty when
    someone could approve)."""
    if not isinstance(spec, dict) or spec.get("type") not in ApproverType.values:
        return [_("Choose who approves: a role, a person, a seat or a rule.")]
    kind = spec["type"]
    if kind == ApproverType.ROLE:
        if spec.get("role") not in Role.values:
            return [_("Choose a role.")]
        if spec.get("level", RoleLevel.NEAREST) not in RoleLevel.values:
            return [_("Choose a level of the org chain.")]
        if not _users().filter(role=spec["role"]).exists():
            return [_("Nobody active holds this role.")]
    elif kind == ApproverType.USER:
        user = spec.get("user")
        if not isinstance(user, int) or not _users().filter(pk=user).exists():
            return [_("Choose an active person.")]
    elif kind == ApproverType.SEAT:
        if spec.get("seat") not in SEATS:
            return [_("Choose a seat: AR, SR or FR.")]
    elif registry.resolver(spec.get("name", "")) is None:
        return [_("No such approver rule.")]
    return []


# --- Delegation ----------------------------------------------------------------------------


def _delegations_on(day: dt.date):
    delegation = apps.get_model("ltc", "Delegation")
    return delegation.objects.filter(active=True, starts_on__lte=day, ends_on__gte=day)


def stand_in(user, day: dt.date | None = None):
    """Who takes `user`'s tasks on `day`: following delegations to the end (their delegate's
    delegate ...). Returns (assignee, delegated_from or None)."""
    day = day or timezone.localdate()
    delegations = dict(_delegations_on(day).values_list("from_user_id", "to_user_id"))
    if user.pk not in delegations:
        return user, None
    seen, current = {user.pk}, user.pk
    while current in delegations and len(seen) <= MAX_DELEGATION_DEPTH:
        current = delegations[current]
        if current in seen:
            return user, None
        seen.add(current)
    assignee = _users().filter(pk=current).first()
    return (assignee, user) if assignee is not None else (user, None)


def delegation_makes_cycle(from_user_id: int, to_user_id: int, starts_on, ends_on) -> bool:
    """Whether delegating from one to the other over these dates closes a loop with the
    delegations already standing on any day of the range."""
    delegation = apps.get_model("ltc", "Delegation")
    edges = list(
        delegation.objects.filter(active=True, starts_on__lte=ends_on, ends_on__gte=starts_on)
        .exclude(from_user_id=from_user_id)
        .values_list("from_user_id", "to_user_id")
    )
    graph: dict[int, set[int]] = {}
    for source, target in edges:
        graph.setdefault(source, set()).add(target)
    seen, stack = set(), [to_user_id]
    while stack:
        current = stack.pop()
        if current == from_user_id:
            return True
        if current in seen:
            continue
        seen.add(current)
        stack.extend(graph.get(current, ()))
    return False


# --- Named permissions ---------------------------------------------------------------------


@rule("approvals.manage_chains")
def manage_chains(user, obj=None) -> bool:
    """Approval chains are company configuration: administrators define them."""
    return is_admin(user)


@rule("approvals.delegate_for")
def delegate_for(user, obj=None) -> bool:
    """One arranges one's own stand-in; an administrator anyone's."""
    return is_admin(user) or obj is None or getattr(obj, "from_user_id", None) == user.pk

"""What the administrator's sign-in mapping rules make of a person's claims (ADR 25)."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..models import OrgUnit, RoleDefinition, SsoMappingRule


@dataclass
class Grant:
    role: RoleDefinition
    org_unit: OrgUnit | None  # None: the unit the person ends up in
    scope: str
    rule: str


@dataclass
class Mapping:
    """The org unit and built-in role the first matching rules set (None / "" when no rule
    sets them: the person keeps theirs), and every configured role the matching rules give."""

    org_unit: OrgUnit | None = None
    role: str = ""
    grants: list[Grant] = field(default_factory=list)
    rules: list[str] = field(default_factory=list)


def mapping_for(claims: dict) -> Mapping:
    """Read the active rules by priority (lowest first) against `claims`."""
    mapping = Mapping()
    rules = SsoMappingRule.objects.filter(is_active=True).select_related("org_unit", "grant_role")
    for rule in rules.order_by("priority", "id"):
        if not rule.matches(claims):
            continue
        mapping.rules.append(str(rule))
        if rule.org_unit is not None and mapping.org_unit is None:
            mapping.org_unit = rule.org_unit
        if rule.role and not mapping.role:
            mapping.role = rule.role
        if rule.grant_role is not None:
            mapping.grants.append(
                Grant(rule.grant_role, rule.org_unit, rule.grant_scope, str(rule))
            )
    return mapping

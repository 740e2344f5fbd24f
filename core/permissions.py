"""The permission catalogue (issue 20.1): every permission a configured role may hold.

A configured role (`accounts.RoleDefinition`) is a named set of these codes; an assignment of it
to a person (`accounts.RoleAssignment`) says in which org unit and how far (own, team, subtree,
company) they apply. `core.policy` answers every question from the same codes:

- `<area>.<action>` for each area below and each of view / create / change / export /
  see_amounts (`opportunities.change`, `receipts.view`). A model belongs to an area by its
  access spec's `area` (or the area of the record it is part of, `via`); "change" implies
  "view";
- every named rule registered with `policy.rule` (`prices.approve`,
  `contracts.suspend_or_terminate`) except those in `NOT_GRANTABLE`, each with its reason.

Unknown codes in a definition are refused (400, `unknown_permission`).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from . import policy

#: The areas of records, in value-stream order.
AREAS = {
    "customers": _("Customers"),
    "contacts": _("Contacts"),
    "partners": _("Channel partners"),
    "leads": _("Leads"),
    "opportunities": _("Opportunities"),
    "quotes": _("Quotes"),
    "contracts": _("Contracts"),
    "milestones": _("Payment milestones"),
    "receipts": _("Receipts"),
    "key_accounts": _("Key accounts"),
    "reports": _("Reports"),
}

#: What one may do to an area's records.
ACTIONS = {
    "view": _("View"),
    "create": _("Create"),
    "change": _("Change"),
    "export": _("Export"),
    "see_amounts": _("See amounts"),
}

#: Named rules a configured role may not hold, and why. Each other registered rule is a
#: permission and needs a label in `RULE_LABELS` (tests/accounts/test_roles.py checks both).
NOT_GRANTABLE = {
    "admin.site": "the Django admin site is for staff accounts only",
    "users.administer": "administering people stays with administrators",
    "sso.administer": "how company identities map to units and roles stays with administrators",
    "users.see_contact_details": "asked about a person, not a record (ADR 13)",
    "integrations.administer": "API keys and webhooks stay with administrators",
    "operations.run_jobs": "operations stay with administrators",
    "settings.change": "company-wide rule tables stay with administrators",
    "settings.change_unit": "a unit's settings follow the manager's own subtree",
    "leads.administer": "capture sources and qualification stay with administrators",
    "forecast.own_only": "a restriction, not a permission",
    "keyaccounts.own_targets_only": "a restriction, not a permission",
    "home.collections_first": "which panel a home page shows first, not a permission",
    "home.funnel_and_team": "which panel a home page shows first, not a permission",
    "keyaccounts.home_cash": "which panel a home page shows first, not a permission",
    "keyaccounts.home_coverage": "which panel a home page shows first, not a permission",
    "keyaccounts.home_office": "which panel a home page shows first, not a permission",
    "receivables.withdraw_write_off": "only whoever asked may withdraw a request",
    "portal.register": "a partner user's own partner's (ADR 21), not a seller's permission",
    "portal.upload_documents": "a partner user's own partner's (ADR 21), not a seller's",
    "roles.administer": "defining roles stays with administrators (no role grants itself)",
    "roles.assign": "giving roles stays with administrators and sales managers",
    "approvals.manage_chains": "approval chains are company configuration, kept by administrators",
    "approvals.delegate_for": "one's own stand-in is everyone's; others' stay with administrators",
    "gates.decide": "who decides a gate is its gate_decision chain's step (ADR 17), not a role's",
    "messaging.administer": "chat-app channels and people's chat ids stay with administrators",
    "mailin.administer": "inbound mailboxes and their log stay with administrators",
    "documents.manage_templates": "the company's letterhead and document templates stay with "
    "administrators",
}

#: The named rules a configured role may hold, in words.
RULE_LABELS = {
    "activities.follow_up": _("Work follow-ups"),
    "approvals.inbox": _("See the approvals inbox"),
    "channels.manage_schemes": _("Keep partners' rebate schemes (返利政策)"),
    "channels.reports": _("See the channel reports and rebate statements"),
    "rates.change": _("Keep the exchange rates"),
    "reports.build": _("Build, save and share reports"),
    "channels.settle": _("Settle rebate statements (credit note or payment)"),
    "contacts.add_duplicate": _("Add a contact knowingly twice"),
    "contracts.decide_change": _("Decide a customer's change request"),
    "contracts.run_delivery": _("Run deliveries"),
    "contracts.suspend_or_terminate": _("Suspend or terminate a contract"),
    "customers.merge": _("Merge duplicate customers"),
    "customers.vet": _("Vet new customers (客户审批)"),
    "gates.follow_team": _("Follow the unit's gate reviews"),
    "gates.take_part": _("Take part in gate reviews"),
    "insights.win_model": _("See the win model's quality"),
    "keyaccounts.override_tier": _("Override a customer's tier"),
    "keyaccounts.targets_panel": _("See the targets panel"),
    "leads.distribute": _("Hand leads to owners"),
    "leads.manage_distribution": _("Keep the lead distribution rules"),
    "partners.manage": _("Recruit and run channel partners"),
    "partners.review_qualifications": _("Review partners' qualification documents (资质审核)"),
    "prices.approve": _("Approve special prices"),
    "receivables.approve_write_off": _("Approve write-offs"),
    "registrations.register": _("Register customers and projects (客户报备)"),
    "registrations.rule": _("Rule contested registrations"),
    "receivables.chase": _("Chase payment milestones"),
    "receivables.collections_board": _("See the collections board"),
    "receivables.handle_money": _("Record receipts, invoices and statements"),
    "receivables.plan": _("Keep payment plans"),
    "sales.work": _("Work leads and deals"),
}


@dataclass(frozen=True)
class Permission:
    code: str
    label: str
    group: str


def area_codes() -> list[str]:
    return [f"{area}.{action}" for area in AREAS for action in ACTIONS]


def rule_codes() -> list[str]:
    return [name for name in policy.rule_names() if name not in NOT_GRANTABLE]


def codes() -> set[str]:
    """Every code a role definition may hold."""
    return {*area_codes(), *rule_codes()}


def unknown(permissions) -> list[str]:
    """The codes among `permissions` that are not in the catalogue (or not text)."""
    known = codes()
    return [str(code) for code in permissions if not isinstance(code, str) or code not in known]


def grouped() -> list[tuple[str, list[Permission]]]:
    """The catalogue grouped for a checklist: one group per area, then the named rules."""
    groups = [
        (
            str(label),
            [Permission(f"{area}.{action}", str(name), area) for action, name in ACTIONS.items()],
        )
        for area, label in AREAS.items()
    ]
    rules = [Permission(name, str(RULE_LABELS.get(name, name)), "rules") for name in rule_codes()]
    groups.append((str(_("Transitions and approvals")), rules))
    return groups


def label_of(code: str) -> str:
    """A permission code in words ("Opportunities: change")."""
    area, _sep, action = code.partition(".")
    if area in AREAS and action in ACTIONS:
        return f"{AREAS[area]}: {ACTIONS[action]}"
    return str(RULE_LABELS.get(code, code))

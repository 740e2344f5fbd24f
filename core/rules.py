"""The core's named permissions (see `policy.may`): gates, the approvals inbox, the home page's
emphasis, settings and operations."""

from __future__ import annotations

from .choices import Role
from .policy import handles_money, is_admin, is_finance, is_sales_manager, manages, rule


@rule("gates.take_part")
def take_part_in_gates(user, obj=None) -> bool:
    """Everyone but finance sits on or decides gate reviews."""
    return user.is_superuser or user.role != Role.FINANCE


@rule("gates.decide")
def decide_gate(user, review=None) -> bool:
    """Who may decide an open gate review now: whoever the approval engine lets decide the
    step its decision waits at (by default the managers with its authority; ADR 17)."""
    from .gates.decision import gate_may_decide  # the gate engine loads after the rules

    return review is not None and gate_may_decide(user, review)


@rule("sales.work")
def work_sales(user, obj=None) -> bool:
    """Sales roles work leads and deals (import them, see them on their home); finance does
    not."""
    return not is_finance(user)


@rule("gates.follow_team")
def follow_team_gates(user, obj=None) -> bool:
    """A sales manager follows the gate reviews their unit raised, wherever they wait (the
    escalated ones wait for the office above)."""
    return is_sales_manager(user) and user.org_unit_id is not None


@rule("approvals.inbox")
def see_approvals_inbox(user, obj=None) -> bool:
    return user.is_superuser or is_sales_manager(user)


@rule("home.collections_first")
def home_collections_first(user, obj=None) -> bool:
    return is_finance(user)


@rule("home.funnel_and_team")
def home_funnel_and_team(user, obj=None) -> bool:
    return is_sales_manager(user)


@rule("settings.change")
def change_company_settings(user, obj=None) -> bool:
    """Company-wide rule tables (authority rules, catalogues): administrators."""
    return is_admin(user)


@rule("settings.change_unit")
def change_unit_settings(user, obj=None) -> bool:
    """Settings a sales manager keeps for their subtree (rules, criteria, targets)."""
    return manages(user)


@rule("rates.change")
def change_exchange_rates(user, obj=None) -> bool:
    """Exchange rates (ADR 30): administrators and finance keep them."""
    return handles_money(user)


@rule("operations.run_jobs")
def run_jobs(user, obj=None) -> bool:
    return is_admin(user)


@rule("admin.site")
def use_admin_site(user, obj=None) -> bool:
    return user.is_staff

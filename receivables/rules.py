"""Named permissions for collections (see `core.policy.may`)."""

from __future__ import annotations

from core.choices import Role
from core.policy import handles_money, is_admin, is_sales_manager, rule, veto

from .models.writeoffs import APPROVE_PERMISSION


@rule("receivables.handle_money")
def handle_money(user, record=None) -> bool:
    """Receipts, allocations, invoices, statements and the reconciliation are finance's (and
    an administrator's); the services also check access to the record itself."""
    return handles_money(user)


@rule("receivables.plan")
def plan_collections(user, contract=None) -> bool:
    """A payment plan is kept by finance, or by whoever may change the contract (its team, its
    managers): the caller passes the contract's `policy.can(..., "change")` as `obj`'s check."""
    return handles_money(user)


@rule("receivables.approve_write_off")
def approve_write_off(user, request=None) -> bool:
    """Approvers: a sales manager (the access policy limits them to their unit's subtree), a
    finance user granted "approve write-offs", or an administrator. Never the person who asked
    (four eyes)."""
    if request is not None and request.requested_by_id == user.pk:
        return False
    if is_admin(user) or is_sales_manager(user):
        return True
    return user.role == Role.FINANCE and user.has_perm(APPROVE_PERMISSION)


@veto("receivables.approve_write_off")
def own_write_off_request(user, request=None) -> bool:
    """A role configured to approve write-offs still never approves its holder's own request."""
    return request is not None and request.requested_by_id == user.pk


@rule("receivables.withdraw_write_off")
def withdraw_write_off(user, request=None) -> bool:
    return request is not None and (request.requested_by_id == user.pk or user.is_superuser)


@rule("receivables.collections_board")
def see_collections_board(user, obj=None) -> bool:
    """Finance, managers and administrators watch the whole board on their home page."""
    return is_admin(user) or is_sales_manager(user) or user.role == Role.FINANCE


@rule("receivables.chase")
def chase_milestones(user, obj=None) -> bool:
    """A rep chases the milestones of their own contracts."""
    return user.role == Role.SALES_REP

"""Named permissions for parties (see `core.policy.may`)."""

from __future__ import annotations

from core.policy import is_admin, is_finance, is_sales_manager, manages, rule


@rule("customers.merge")
def merge_customers(user, customer=None) -> bool:
    """Sales managers and administrators merge duplicates (of records they may change: the
    service checks the records)."""
    return manages(user)


@rule("contacts.add_duplicate")
def add_duplicate_contact(user, obj=None) -> bool:
    """A second contact with a customer contact's e-mail or phone, knowingly: sales managers
    and administrators."""
    return manages(user)


@rule("users.administer")
def administer_users(user, obj=None) -> bool:
    return is_admin(user)


@rule("activities.follow_up")
def follow_up(user, obj=None) -> bool:
    """Finance does not work follow-ups (no next-steps panel)."""
    return not is_finance(user)


@rule("users.see_contact_details")
def see_contact_details(by, user) -> bool:
    """How to reach `user` outside the CRM (e-mail, phone): administrators see everyone's,
    sales managers those of the people of their unit's subtree, everyone their own (ADR 13)."""
    if is_admin(by) or by.pk == user.pk:
        return True
    if is_sales_manager(by) and by.org_unit_id and user.org_unit_id:
        return user.org_unit.path.startswith(by.org_unit.path)
    return False


@rule("roles.administer")
def administer_roles(user, obj=None) -> bool:
    """Defining roles as permission sets (issue 20.1): administrators."""
    return is_admin(user)


@rule("sso.administer")
def administer_sso(user, obj=None) -> bool:
    """The single sign-on mapping rules (ADR 25): administrators."""
    return is_admin(user)


@rule("roles.assign")
def assign_roles(user, obj=None) -> bool:
    """Giving configured roles: administrators anywhere, sales managers within their subtree
    (the service holds them to it)."""
    return manages(user)


@rule("registrations.register")
def register_customers(user, customer=None) -> bool:
    """Registering an account (客户报备) is selling work: everyone but finance."""
    return not is_finance(user)


@rule("registrations.rule")
def rule_registrations(user, registration=None) -> bool:
    """Sales managers and administrators rule contested registrations (and release one for
    its holder); the service holds them to registrations they may change (their subtree)."""
    return manages(user)


@rule("customers.vet")
def vet_customers(user, customer=None) -> bool:
    """Vetting new customers (客户审批, ADR 19): sales managers and administrators see the
    queue; deciding one is the approval engine's rule (the managers over its unit)."""
    return manages(user)

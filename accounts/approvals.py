"""The new customer (客户审批, 列名) on the approval engine (ADR 19): the kind, its default
chain (one step: the sales managers over the customer's unit), and that rule as a resolver
a step may name."""

from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from core import policy
from core.approvals.choices import ApprovalKind, ApprovalMode, ApproverType
from core.approvals.registry import (
    ApprovalSubject,
    Resolver,
    register_kind,
    register_resolver,
    subject_of,
)
from core.choices import Role

from .models import User
from .services.vetting import customer_vetting_ended

TERRITORY_MANAGERS = "accounts.territory_managers"


def territory_managers(request) -> list:
    """The nearest active sales managers over the customer's org unit (its own unit's first),
    leaving out the one who asked: a manager who files a customer is approved from above."""
    customer = subject_of(request)
    if customer is None:
        return []
    managers = (
        User.objects.filter(
            is_active=True,
            role=Role.SALES_MANAGER,
            org_unit_id__in=customer.org_unit.ancestor_ids(),
        )
        .exclude(pk=request.requester_id)
        .select_related("org_unit")
    )
    deepest = max((m.org_unit.depth for m in managers), default=None)
    return sorted((m for m in managers if m.org_unit.depth == deepest), key=lambda m: m.pk)


def may_vet(user, request) -> bool:
    """Anyone who vets customers (sales managers, administrators, a role granted it) and may
    change this one (its unit's subtree): a manager of another unit may not."""
    customer = subject_of(request)
    return (
        customer is not None
        and policy.may(user, "customers.vet", customer)
        and policy.can(user, customer, "change")
    )


register_resolver(
    TERRITORY_MANAGERS,
    Resolver(
        label=_("Sales managers over the customer's territory (org unit)"),
        approvers=territory_managers,
        eligible=may_vet,
    ),
)
register_kind(
    ApprovalKind.NEW_CUSTOMER,
    ApprovalSubject(
        on_ended=customer_vetting_ended,
        default_name=gettext_noop("New customer"),
        default_steps=(
            {
                "name": gettext_noop("Territory manager"),
                "approver": {"type": ApproverType.RESOLVER.value, "name": TERRITORY_MANAGERS},
                "mode": ApprovalMode.ANY_OF.value,
            },
        ),
    ),
)

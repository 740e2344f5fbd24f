"""Customer vetting (客户审批, 列名; ADR 19): a customer someone other than an administrator
creates waits, pending, for its NEW_CUSTOMER approval on the engine (core.approvals); the
approver may decide its territory (org unit) and owner when approving; a queue of pending
customers is worked in bulk, each row on its own."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from core import hooks, policy
from core.approvals.choices import ApprovalDecision, ApprovalKind, ApprovalState
from core.approvals.engine import open_request_for, request_decide, request_start
from core.audit import audit_record
from core.errors import ApplicationError, Conflict, ValidationFailed
from core.fsm import transition_run
from core.records import record_update

from ..choices import CustomerVetting
from ..models import Customer, OrgUnit, User

#: The most rows one bulk decision may carry, and the longest reason.
VETTING_BULK_MAX = 500
MAX_COMMENT = 4000


def vetting_required(by: User | None) -> bool:
    """Whether a customer `by` creates waits for approval: when the company requires it
    (`CUSTOMER_APPROVAL_REQUIRED`), for everyone but administrators."""
    return bool(settings.CUSTOMER_APPROVAL_REQUIRED) and not (
        by is not None and policy.is_admin(by)
    )


def vetting_facts(customer: Customer) -> dict[str, Any]:
    """What the chain's step conditions read: annual revenue as the amount (with its
    currency), industry, region and tier."""
    return {
        "amount": None if customer.annual_revenue is None else str(customer.annual_revenue),
        "currency": customer.revenue_currency,
        "industry": customer.industry,
        "region": customer.region,
        "customer_tier": customer.tier,
    }


def customer_vetting_start(*, customer: Customer, by: User):
    """Send a pending customer through its NEW_CUSTOMER approval (the engine tells its
    approvers); recorded on the customer's timeline. A chain none of whose steps applies
    approves it at once."""
    with transaction.atomic():
        audit_record(target=customer, action="customer.vetting_requested", actor=by)
        return request_start(
            kind=ApprovalKind.NEW_CUSTOMER,
            subject=customer,
            requester=by,
            org_unit=customer.org_unit,
            facts=vetting_facts(customer),
            title=customer.name,
        )


def customer_vetting_ended(request, customer: Customer, by: User, comment: str) -> None:
    """The engine's `on_ended`: approved lists the customer; rejected (or withdrawn by the
    one who asked) rejects it; sent back for rework leaves it pending (the requester
    resubmits on the approval's page)."""
    customer = Customer.all_objects.select_for_update(of=("self",)).get(pk=customer.pk)
    if customer.state != CustomerVetting.PENDING:
        return
    name = {
        ApprovalState.APPROVED: "approve",
        ApprovalState.REJECTED: "reject",
        ApprovalState.WITHDRAWN: "reject",
    }.get(request.state)
    if name is not None:
        transition_run(customer, name, by=by, comment=comment, internal=True, check_policy=False)


def _assignment(
    customer: Customer, by: User, owner: User | None, org_unit: OrgUnit | None
) -> dict[str, Any]:
    """The territory and owner the approver gives (only what changes), held to the access
    policy: a unit they may file under, an owner they may assign, who works in that unit's
    subtree."""
    data: dict[str, Any] = {}
    if org_unit is not None and org_unit.pk != customer.org_unit_id:
        data["org_unit"] = org_unit
    if owner is not None and owner.pk != customer.owner_id:
        data["owner"] = owner
    if not data:
        return data
    policy.check_write_scope(Customer, by, data, instance=customer)
    unit = data.get("org_unit", customer.org_unit)
    keeper = data.get("owner", customer.owner)
    if keeper is not None and not (keeper.is_active and unit.contains(keeper.org_unit)):
        raise ValidationFailed(
            _("The owner must be an active member of the customer's org unit."),
            code="out_of_scope",
            fields={"owner": [_("Not someone of this org unit.")]},
        )
    return data


def customer_vetting_decide(
    *,
    customer: Customer,
    by: User,
    decision: str,
    comment: str = "",
    owner: User | None = None,
    org_unit: OrgUnit | None = None,
) -> Customer:
    """Decide a pending customer's current approval step as `by` (the engine's rules: one
    the step waits for, or a manager over the customer's unit; never the one who asked).
    Approving may give the customer its territory and owner. Of two approvers at once one
    decides, the other gets 409 `approval_not_pending`."""
    request = open_request_for(customer, ApprovalKind.NEW_CUSTOMER)
    if request is None or customer.state != CustomerVetting.PENDING:
        raise Conflict(
            _("This customer is not waiting for approval (%(state)s).")
            % {"state": customer.get_state_display()},
            code="approval_not_pending",
        )
    if decision not in ApprovalDecision.values:
        raise ValidationFailed(
            _("Choose approve, reject or send back."),
            fields={"decision": [_("Choose approve, reject or send back.")]},
        )
    with transaction.atomic():
        data = (
            _assignment(customer, by, owner, org_unit)
            if decision == ApprovalDecision.APPROVE
            else {}
        )
        request_decide(request=request, by=by, decision=decision, comment=comment)
        customer = Customer.all_objects.get(pk=customer.pk)
        if data:  # checked above; later stages hear of it as of any edit
            customer = record_update(customer, by=by, data=data, check_scope=False)
            hooks.emit("customer.changed", customer=customer, fields=sorted(data), by=by)
    return customer


def customers_vetting_decide(*, by: User, items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Decide many pending customers in one request (the queue's bulk approve / reject), each
    row on its own: one that fails leaves nothing behind, reports its error, and the others
    still apply. `items`: {customer, decision, comment, owner, org_unit} with ids."""
    if not isinstance(items, list) or not items or len(items) > VETTING_BULK_MAX:
        raise ValidationFailed(
            _("Give between 1 and %(n)s rows.") % {"n": VETTING_BULK_MAX},
            fields={"items": [_("Between 1 and %(n)s rows.") % {"n": VETTING_BULK_MAX}]},
        )
    visible = policy.restrict(Customer.objects.all(), by, "view")
    results = []
    for index, item in enumerate(items):
        result: dict[str, Any] = {"index": index, "customer": None}
        results.append(result)
        try:
            if not isinstance(item, dict):
                raise ValidationFailed(_("Each row is an object."), fields={"items": [str(index)]})
            customer = pick_record(visible, item.get("customer"), "customer")
            owner = pick_record(User.objects.filter(is_active=True), item.get("owner"), "owner")
            unit = pick_record(OrgUnit.objects.all(), item.get("org_unit"), "org_unit")
            result["customer"] = customer.pk
            if len(str(item.get("comment") or "")) > MAX_COMMENT:
                raise ValidationFailed(
                    _("At most %(n)s characters.") % {"n": MAX_COMMENT},
                    fields={"comment": [_("At most %(n)s characters.") % {"n": MAX_COMMENT}]},
                )
            with transaction.atomic():
                customer = customer_vetting_decide(
                    customer=customer,
                    by=by,
                    decision=str(item.get("decision") or ""),
                    comment=str(item.get("comment") or ""),
                    owner=owner,
                    org_unit=unit,
                )
            result["status"] = customer.state
        except ApplicationError as exc:
            result.update(status="error", error=exc.as_dict())
    return results


def pick_record(queryset, raw, field: str):
    """The row `raw` names in `queryset` (None for none given): a 400 naming `field` when it
    is not a number or not one of them."""
    if raw in (None, ""):
        if field == "customer":
            raise ValidationFailed(_("Choose a customer."), fields={field: [_("Required.")]})
        return None
    if isinstance(raw, bool) or not str(raw).isdigit() or len(str(raw)) > 18:
        raise ValidationFailed(_("Not an id."), fields={field: [_("Give a number.")]})
    found = queryset.filter(pk=int(raw)).first()
    if found is None:
        raise ValidationFailed(_("No such record."), fields={field: [_("No such record.")]})
    return found

"""Writes on account plans: the plan and its responsible team, targets per product with their
floor, and actions with owner and due date."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Customer, User
from accounts.services import iron_triangle_create, iron_triangle_set
from core import policy
from core.audit import audit_record
from core.choices import TriangleRole
from core.errors import Forbidden, ValidationFailed
from core.messages import day, message
from core.money import quantize
from core.notifications import notify
from core.records import insert_once, record_create, record_update

from ..choices import ActionStatus
from ..models import AccountPlan, PlanAction, PlanTarget


def _require_change(by: User, plan: AccountPlan) -> None:
    if not policy.can(by, plan, "change"):
        raise Forbidden(_("You may not change this account plan."))


def _check_customer(by: User, customer: Customer) -> None:
    """A plan is for a customer its planner may change (a write into that customer's scope)."""
    if not policy.can(by, customer, "change"):
        raise ValidationFailed(
            _("You may not plan this customer."),
            code=policy.OUT_OF_SCOPE,
            fields={"customer": [_("Not a customer you may change.")]},
        )


def account_plan_create(
    *,
    by: User,
    data: dict[str, Any],
    sr: User | None = None,
    fr: User | None = None,
    members: list[User] | None = None,
) -> AccountPlan:
    """A plan for one key account and period, run by a team (the AR defaults to the customer's
    account manager). Whoever may change the customer may plan it, with an AR they may assign
    and colleagues they may seat (the access policy)."""
    data = dict(data)
    customer: Customer | None = data.get("customer")
    if customer is None:
        raise ValidationFailed(_("Choose the customer."), fields={"customer": [_("Required.")]})
    _check_customer(by, customer)
    owner = data.setdefault("owner", customer.owner or by)
    data.setdefault("org_unit", customer.org_unit)
    policy.check_write_scope(AccountPlan, by, data)
    policy.check_seats(
        by, {TriangleRole.SR: sr, TriangleRole.FR: fr}, unit=data["org_unit"], members=members or ()
    )
    starts_on, ends_on = data.get("starts_on"), data.get("ends_on")
    if starts_on and ends_on and ends_on < starts_on:
        raise ValidationFailed(
            _("The period ends before it starts."),
            fields={"ends_on": [_("Must not be before the start.")]},
        )

    def refuse_second_plan():
        same_start = AccountPlan.objects.filter(customer=customer, starts_on=starts_on)
        if starts_on and same_start.exists():
            raise ValidationFailed(
                _("This customer already has a plan starting that day."),
                fields={"starts_on": [_("A plan already starts on this day.")]},
            )

    refuse_second_plan()
    with transaction.atomic():
        data["team"] = iron_triangle_create(ar=owner, sr=sr, fr=fr, members=members)  # checked
        plan = insert_once(  # one plan per customer and start: a unique constraint
            lambda: record_create(AccountPlan, by=by, data=data), refuse=refuse_second_plan
        )
    return plan


def account_plan_update(
    *,
    plan: AccountPlan,
    by: User,
    data: dict[str, Any],
    seats: dict[str, User | None] | None = None,
    expected_version: int | None = None,
) -> AccountPlan:
    """Change the plan (period, strategy, owner) and, optionally, its team's seats. Another
    customer must be one the editor may plan, as when the plan was made."""
    _require_change(by, plan)
    customer = data.get("customer")
    if customer is not None and customer.pk != plan.customer_id:
        _check_customer(by, customer)
    with transaction.atomic():
        if data:
            record_update(plan, by=by, data=data, expected_version=expected_version)
        if seats:
            iron_triangle_set(team=plan.team, subject=plan, by=by, seats=seats)
    return plan


def plan_target_set(
    *,
    plan: AccountPlan,
    by: User,
    product_line: str,
    target_amount: Decimal,
    floor_amount: Decimal = Decimal("0"),
) -> PlanTarget:
    """Set the order target and floor (保底目标) of one product line on the plan."""
    _require_change(by, plan)
    product_line = (product_line or "").strip()
    target_amount, floor_amount = quantize(target_amount), quantize(floor_amount or 0)
    errors = {}
    if not product_line:
        errors["product_line"] = [_("Required.")]
    if target_amount < 0:
        errors["target_amount"] = [_("Must not be negative.")]
    if floor_amount < 0 or floor_amount > target_amount:
        errors["floor_amount"] = [_("Must be between zero and the target.")]
    if errors:
        raise ValidationFailed(_("Invalid target."), fields=errors)
    with transaction.atomic():
        # "Create or change": the plan's row lock makes a concurrent setter wait, then change
        # the target the first one created.
        AccountPlan.objects.select_for_update().only("pk").get(pk=plan.pk)
        existing = PlanTarget.objects.filter(plan=plan, product_line=product_line).first()
        data = {"target_amount": target_amount, "floor_amount": floor_amount}
        if existing is None:
            target = record_create(
                PlanTarget, by=by, data={**data, "plan": plan, "product_line": product_line}
            )
        else:
            target = record_update(existing, by=by, data=data)
        audit_record(
            target=plan,
            action="plan.target_set",
            actor=by,
            changes={product_line: [str(target_amount), str(floor_amount)]},
        )
    return target


def plan_target_remove(*, target: PlanTarget, by: User) -> None:
    plan = target.plan
    _require_change(by, plan)
    with transaction.atomic():
        audit_record(
            target=plan,
            action="plan.target_removed",
            actor=by,
            changes={target.product_line: str(target.target_amount)},
        )
        target.delete()


def plan_action_create(*, plan: AccountPlan, by: User, data: dict[str, Any]) -> PlanAction:
    """Add an action with its owner, due date and floor target; the owner is told."""
    _require_change(by, plan)
    data = {"owner": by, **data, "plan": plan}
    with transaction.atomic():
        action = record_create(PlanAction, by=by, data=data)
        notify(
            recipients=[action.owner],
            kind="plan.action_assigned",
            target=plan,
            exclude=by,
            message=message(
                "plan.action_assigned",
                customer=str(plan.customer),
                title=action.title,
                due=day(action.due_on) if action.due_on else "—",
            ),
        )
    return action


def plan_action_update(
    *, action: PlanAction, by: User, data: dict[str, Any], expected_version: int | None = None
) -> PlanAction:
    _require_change(by, action.plan)
    return record_update(action, by=by, data=data, expected_version=expected_version)


def plan_action_set_status(*, action: PlanAction, by: User, status: str) -> PlanAction:
    """Mark an action done or cancelled (or open again): its owner or whoever may change
    the plan."""
    if status not in ActionStatus.values:
        raise ValidationFailed(_("Unknown status."), fields={"status": [_("Unknown status.")]})
    if action.owner_id != by.pk and not policy.can(by, action.plan, "change"):
        raise Forbidden(_("You may not change this action."))
    done_at = timezone.now() if status == ActionStatus.DONE else None
    return record_update(action, by=by, data={"status": status, "done_at": done_at})

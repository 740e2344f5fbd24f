"""Writes on the delivery plan: deliverables, delivery milestones, reaching a milestone.

Planned dates are the plan's to set until delivery starts; from then on they move only by an
approved change, so slippage against the plan stays visible. Reaching a milestone is announced
as `delivery_milestone.reached` (collections make the matching payment due).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from core import hooks, policy
from core.audit import audit_record
from core.choices import TriangleRole
from core.errors import Conflict, Forbidden, TransitionNotAllowed, ValidationFailed
from core.fsm import transition_run, unmet
from core.messages import day, message
from core.notifications import notify
from core.records import record_create, record_update

from ..choices import (
    ACTIVE_STATES,
    FINISHED_STATES,
    ContractState,
    DeliverableState,
    DeliveryMilestoneState,
)
from ..models import Contract, Deliverable, DeliveryLateNotice, DeliveryMilestone
from .documents import document_upload

#: Contract states in which the plan is still being made (dates move freely, with the baseline).
PLANNING_STATES = [ContractState.DRAFT, ContractState.SIGNED, ContractState.ACCEPTED]


def _check_plan_editable(contract: Contract, by: User) -> None:
    if not policy.can(by, contract, "change"):
        raise Forbidden(_("You may not change this contract's delivery plan."))
    if contract.state in FINISHED_STATES:
        raise Conflict(
            _("The contract is “%(state)s”: its delivery plan is final.")
            % {"state": contract.get_state_display()},
            code="contract_finished",
        )


def _on_contract_timeline(contract: Contract, by: User, comment: str) -> None:
    """Show a change of the delivery plan on the contract's own timeline."""
    audit_record(target=contract, action="delivery_plan.changed", actor=by, comment=comment)


def _check_owner(by: User, contract: Contract, data: dict[str, Any], current=None) -> None:
    """A step or deliverable is owned by someone on the contract's team or someone the editor
    may assign (the access policy): its owner is told about a contract they can open."""
    owner = data.get("owner")
    if owner is None or owner == current:
        return
    if not owner.is_active:
        raise ValidationFailed(
            _("An inactive user cannot own this."), fields={"owner": [_("This user is inactive.")]}
        )
    if not policy.may_give_work_to(by, owner, contract.team):
        raise ValidationFailed(
            _("Add them to the contract's team first."),
            code=policy.OUT_OF_SCOPE,
            fields={"owner": [_("Not on this contract's team.")]},
        )


# --- Deliverables -----------------------------------------------------------------------------


def deliverable_create(*, contract: Contract, by: User, data: dict[str, Any]) -> Deliverable:
    """Add something the contract delivers, with its owner and planned date."""
    _check_plan_editable(contract, by)
    _check_owner(by, contract, data)
    with transaction.atomic():
        deliverable = record_create(Deliverable, by=by, data={**data, "contract": contract})
        _on_contract_timeline(
            contract, by, _("Deliverable added: %(name)s") % {"name": deliverable}
        )
    return deliverable


def deliverable_update(
    *,
    deliverable: Deliverable,
    by: User,
    data: dict[str, Any],
    expected_version: int | None = None,
) -> Deliverable:
    _check_plan_editable(deliverable.contract, by)
    _check_owner(by, deliverable.contract, data, deliverable.owner)
    if deliverable.state == DeliverableState.CANCELLED:
        raise Conflict(_("A cancelled deliverable is not edited."), code="deliverable_cancelled")
    return record_update(deliverable, by=by, data=data, expected_version=expected_version)


def deliverable_transition(
    *, deliverable: Deliverable, name: str, by: User, reason: str = "", comment: str = ""
) -> Deliverable:
    """Start, complete, reopen or cancel a deliverable."""
    with transaction.atomic():
        transition_run(deliverable, name, by=by, reason=reason, comment=comment)
        _on_contract_timeline(
            deliverable.contract,
            by,
            "\n".join(
                part
                for part in (
                    _("%(name)s: %(state)s")
                    % {"name": deliverable, "state": deliverable.get_state_display()},
                    reason,
                )
                if part
            ),
        )
    return deliverable


# --- Delivery milestones ----------------------------------------------------------------------


def milestone_create(*, contract: Contract, by: User, data: dict[str, Any]) -> DeliveryMilestone:
    """Add a delivery step; its first planned date is its baseline."""
    _check_plan_editable(contract, by)
    _check_owner(by, contract, data)
    # A milestone without a name of its own is called by its kind's display name, in the
    # reader's language (DeliveryMilestone.__str__): not frozen in the creator's.
    data = {**data, "contract": contract}
    with transaction.atomic():
        milestone = record_create(DeliveryMilestone, by=by, data=data)
        _on_contract_timeline(
            contract,
            by,
            _("Delivery milestone planned: %(name)s on %(date)s")
            % {"name": milestone, "date": milestone.planned_date},
        )
    return milestone


def milestone_update(
    *,
    milestone: DeliveryMilestone,
    by: User,
    data: dict[str, Any],
    expected_version: int | None = None,
) -> DeliveryMilestone:
    """Edit a planned step. While the plan is being made its date (and baseline) move freely;
    once delivery has started, the date moves only by an approved change."""
    contract = milestone.contract
    _check_plan_editable(contract, by)
    _check_owner(by, contract, data, milestone.owner)
    if milestone.state != DeliveryMilestoneState.PLANNED:
        raise Conflict(
            _("Only a planned milestone is edited (this one is “%(state)s”).")
            % {"state": milestone.get_state_display()},
            code="milestone_not_planned",
        )
    data = dict(data)
    if "planned_date" in data and data["planned_date"] != milestone.planned_date:
        if contract.state not in PLANNING_STATES:
            raise Conflict(
                _("Delivery has started: the planned date moves only by an approved change."),
                code="replan_by_change",
                fields={"planned_date": [_("Raise a change request to re-plan it.")]},
            )
        data["baseline_date"] = data["planned_date"]
    if "kind" in data and data["kind"] != milestone.kind and contract.state not in PLANNING_STATES:
        raise Conflict(
            _("Delivery has started: the kind of a step is fixed."),
            code="milestone_kind_fixed",
            fields={"kind": [_("Fixed once delivery started.")]},
        )
    return record_update(milestone, by=by, data=data, expected_version=expected_version)


def milestone_reach(
    *,
    milestone: DeliveryMilestone,
    by: User,
    actual_date: dt.date | None = None,
    comment: str = "",
    document: UploadedFile | None = None,
    document_kind: str = "",
) -> DeliveryMilestone:
    """Record that a delivery step happened on `actual_date` (today by default), optionally
    attaching its evidence in the same step. Arrival and acceptance need evidence.

    Announced as `delivery_milestone.reached`, inside this transaction: collections make the
    matching payment milestone due (arrival → 到货款, acceptance → 验收款).
    """
    contract = milestone.contract
    if not policy.can(by, contract, "change"):
        raise Forbidden(_("You may not change this contract's delivery plan."))
    actual_date = actual_date or timezone.localdate()
    errors = {}
    if actual_date > timezone.localdate():
        errors["actual_date"] = [_("A milestone cannot be reached in the future.")]
    elif contract.signed_on and actual_date < contract.signed_on:
        errors["actual_date"] = [_("Before the contract was signed.")]
    if document is None and document_kind:
        errors["document"] = [_("Attach the file.")]
    if errors:
        raise ValidationFailed(_("The milestone cannot be reached so."), fields=errors)
    blocking = {k: v for k, v in unmet(milestone, "reach").items() if k != "evidence"}
    if blocking:  # refuse before any file is stored
        raise TransitionNotAllowed(
            "; ".join(m for ms in blocking.values() for m in ms), fields=blocking
        )
    with transaction.atomic():
        if document is not None:
            document_upload(
                contract=contract,
                by=by,
                file=document,
                kind=document_kind,
                milestone=milestone,
            )
        # Afresh and locked: evidence just attached counts, and two clicks reach it once.
        milestone = (
            DeliveryMilestone.objects.select_for_update()
            .select_related("contract")
            .get(pk=milestone.pk)
        )
        milestone.actual_date = actual_date
        transition_run(milestone, "reach", by=by, comment=comment, internal=True)
        audit_record(
            target=contract,
            action="delivery_milestone.reached",
            actor=by,
            comment=message("note.delivery_reached", milestone=milestone, date=day(actual_date)),
        )
        hooks.emit("delivery_milestone.reached", contract=contract, milestone=milestone, by=by)
        notify(
            recipients=[contract.team.seat(TriangleRole.AR), contract.team.seat(TriangleRole.FR)],
            kind="delivery_milestone.reached",
            exclude=by,
            message=message(
                "delivery_milestone.reached", milestone=str(milestone), contract=contract.number
            ),
            target=contract,
        )
    return milestone


def milestone_transition(
    *, milestone: DeliveryMilestone, name: str, by: User, reason: str = "", comment: str = ""
) -> DeliveryMilestone:
    """Cancel a planned step (reaching one goes through `milestone_reach`)."""
    with transaction.atomic():
        transition_run(milestone, name, by=by, reason=reason, comment=comment)
        _on_contract_timeline(
            milestone.contract,
            by,
            "\n".join(
                part
                for part in (
                    _("%(name)s: %(state)s")
                    % {"name": milestone, "state": milestone.get_state_display()},
                    reason,
                )
                if part
            ),
        )
    return milestone


def delivery_send_late_reminders(*, today: dt.date | None = None) -> int:
    """Tell the milestone's owner and the contract's FR about every delivery milestone of a
    contract in execution whose planned date has passed unreached.

    Once per (milestone, planned date): the `DeliveryLateNotice` row is claimed in the same
    transaction as the notifications, so a rerun, a second worker or a redelivered task
    sends nothing twice, and a lost run leaves nothing claimed. Returns the milestones told.
    """
    today = today or timezone.localdate()
    late = (
        DeliveryMilestone.objects.filter(
            state=DeliveryMilestoneState.PLANNED,
            planned_date__lt=today,
            contract__state__in=ACTIVE_STATES,
        )
        .exclude(
            Exists(
                DeliveryLateNotice.objects.filter(
                    milestone=OuterRef("pk"), planned_date=OuterRef("planned_date")
                )
            )
        )
        .select_related("owner", "contract")
        .prefetch_related("contract__team__members__user")
        .order_by("pk")
    )
    told = 0
    for milestone in late.iterator(chunk_size=200):
        try:
            with transaction.atomic():
                DeliveryLateNotice.objects.create(
                    milestone=milestone, planned_date=milestone.planned_date
                )
                team = milestone.contract.team
                notify(
                    recipients=[milestone.owner, team.seat(TriangleRole.FR) if team else None],
                    kind="delivery.late",
                    message=message(
                        "delivery.late",
                        milestone=str(milestone),
                        date=day(milestone.planned_date),
                        contract=str(milestone.contract),
                    ),
                    target=milestone,
                    email=True,
                )
        except IntegrityError:
            continue  # claimed by a concurrent run
        told += 1
    return told

"""Defining approval chains (administrators): validated as a whole, so a chain with a step
nobody could approve is a 400 (`no_possible_approver`) and nothing is saved; audited with
the chain as it was and as it is."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils.translation import gettext as _

from .. import policy
from ..audit import audit_record
from ..errors import Conflict, Forbidden, ValidationFailed
from . import registry
from .choices import ApprovalKind, ApprovalMode
from .models import ApprovalChain, ApprovalStep
from .rules import condition_errors, spec_errors

STEP_KEYS = {"name", "condition", "approver", "mode", "time_limit_hours", "escalate_to"}


def _step_errors(index: int, raw) -> tuple[dict[str, list[str]], bool]:
    """Field errors of one step (`steps.<index>.<field>`), and whether one is "no possible
    approver"."""
    prefix = f"steps.{index}."
    if not isinstance(raw, dict):
        return {f"steps.{index}": [_("Give each step as an object.")]}, False
    errors: dict[str, list[str]] = {}
    for key in set(raw) - STEP_KEYS:
        errors[prefix + key] = [_("Unknown field.")]
    name = raw.get("name")
    if not isinstance(name, str) or not name.strip() or len(name) > 120:
        errors[prefix + "name"] = [_("Name the step (at most 120 characters).")]
    for key, messages in condition_errors(raw.get("condition")).items():
        errors[prefix + ("condition" if key == "condition" else f"condition.{key}")] = messages
    if raw.get("mode", ApprovalMode.ANY_OF) not in ApprovalMode.values:
        errors[prefix + "mode"] = [_("Choose any of or all of.")]
    limit = raw.get("time_limit_hours")
    if limit is not None and (not isinstance(limit, int) or isinstance(limit, bool)):
        errors[prefix + "time_limit_hours"] = [_("Enter a whole number of hours.")]
    elif limit is not None and not 1 <= limit <= 24 * 365:
        errors[prefix + "time_limit_hours"] = [_("Between 1 hour and a year.")]
    unapprovable = False
    approver = spec_errors(raw.get("approver"))
    if approver:
        errors[prefix + "approver"] = approver
        unapprovable = True
    escalate = raw.get("escalate_to")
    if escalate is not None:
        if limit is None:
            errors[prefix + "time_limit_hours"] = [_("Escalation needs a time limit.")]
        escalation = spec_errors(escalate)
        if escalation:
            errors[prefix + "escalate_to"] = escalation
            unapprovable = True
    return errors, unapprovable


def _validated_steps(steps) -> list[dict]:
    if not isinstance(steps, list) or not steps:
        raise ValidationFailed(
            _("A chain needs at least one step."), fields={"steps": [_("Add a step.")]}
        )
    if len(steps) > 20:
        raise ValidationFailed(
            _("A chain has at most 20 steps."), fields={"steps": [_("At most 20 steps.")]}
        )
    errors: dict[str, list[str]] = {}
    unapprovable = False
    for index, raw in enumerate(steps):
        found, nobody = _step_errors(index, raw)
        errors.update(found)
        unapprovable = unapprovable or nobody
    if errors:
        if unapprovable:
            raise ValidationFailed(
                _("A step has no possible approver."), code="no_possible_approver", fields=errors
            )
        raise ValidationFailed(_("Some steps are not valid."), fields=errors)
    return [
        {
            "name": raw["name"].strip(),
            "condition": raw.get("condition") or {},
            "approver": raw["approver"],
            "mode": raw.get("mode") or ApprovalMode.ANY_OF,
            "time_limit_hours": raw.get("time_limit_hours"),
            "escalate_to": raw.get("escalate_to"),
        }
        for raw in steps
    ]


def _write_steps(chain: ApprovalChain, steps: list[dict]) -> None:
    ApprovalStep.objects.bulk_create(
        ApprovalStep(chain=chain, chain_version=chain.version, position=i + 1, **step)
        for i, step in enumerate(steps)
    )


def chain_state(chain: ApprovalChain) -> dict:
    """The chain as the audit trail keeps it (before and after a change)."""
    return {
        "name": chain.name,
        "active": chain.active,
        "version": chain.version,
        "steps": [
            {
                "name": s.name,
                "condition": s.condition,
                "approver": s.approver,
                "mode": s.mode,
                "time_limit_hours": s.time_limit_hours,
                "escalate_to": s.escalate_to,
            }
            for s in chain.steps
        ],
    }


def _may_manage(by) -> None:
    if by is not None and not policy.may(by, "approvals.manage_chains"):
        raise Forbidden(_("Only an administrator defines approval chains."))


def _active_elsewhere(kind: str, exclude: int | None = None) -> None:
    others = ApprovalChain.objects.filter(kind=kind, active=True)
    if exclude is not None:
        others = others.exclude(pk=exclude)
    if others.exists():
        raise ValidationFailed(
            _("This kind already has an active chain: change that one."),
            code="approval_chain_exists",
            fields={"kind": [_("This kind already has an active chain.")]},
        )


def chain_define(*, kind: str, name: str, steps: list, by, active: bool = True) -> ApprovalChain:
    """A new approval chain for `kind` with its ordered steps (one active chain per kind)."""
    _may_manage(by)
    errors = {}
    if kind not in ApprovalKind.values:
        errors["kind"] = [_("Choose a kind of approval.")]
    if not isinstance(name, str) or not name.strip() or len(name) > 120:
        errors["name"] = [_("Name the chain (at most 120 characters).")]
    if errors:
        raise ValidationFailed(_("The chain is not valid."), fields=errors)
    validated = _validated_steps(steps)
    with transaction.atomic():
        if active:
            _active_elsewhere(kind)
        try:
            with transaction.atomic():
                chain = ApprovalChain.objects.create(kind=kind, name=name.strip(), active=active)
        except IntegrityError:
            _active_elsewhere(kind)
            raise
        _write_steps(chain, validated)
        audit_record(
            target=chain,
            action="approval_chain.defined",
            actor=by,
            changes={"before": None, "after": chain_state(chain)},
        )
    return chain


def chain_update(
    *,
    chain: ApprovalChain,
    by,
    name: str | None = None,
    active: bool | None = None,
    steps: list | None = None,
    expected_version: int | None = None,
) -> ApprovalChain:
    """Change a chain's name, whether it is active, or (all at once) its steps. New steps are
    a new version: requests already running finish on the steps they started with."""
    _may_manage(by)
    if name is not None and (not isinstance(name, str) or not name.strip() or len(name) > 120):
        raise ValidationFailed(
            _("The chain is not valid."),
            fields={"name": [_("Name the chain (at most 120 characters).")]},
        )
    validated = _validated_steps(steps) if steps is not None else None
    with transaction.atomic():
        chain = ApprovalChain.objects.select_for_update().get(pk=chain.pk)
        if expected_version is not None and expected_version != chain.version:
            raise Conflict(
                _("Someone else changed this chain meanwhile; reload and try again."),
                code="stale_version",
            )
        before = chain_state(chain)
        if active:
            _active_elsewhere(chain.kind, exclude=chain.pk)
        fields = {}
        if name is not None:
            fields["name"] = name.strip()
        if active is not None:
            fields["active"] = active
        ApprovalChain.objects.filter(pk=chain.pk).update(version=F("version") + 1, **fields)
        chain.refresh_from_db()
        if validated is not None:
            _write_steps(chain, validated)
        else:  # the same steps under the new version
            ApprovalStep.objects.bulk_create(
                ApprovalStep(
                    chain=chain,
                    chain_version=chain.version,
                    position=s.position,
                    name=s.name,
                    condition=s.condition,
                    approver=s.approver,
                    mode=s.mode,
                    time_limit_hours=s.time_limit_hours,
                    escalate_to=s.escalate_to,
                )
                for s in chain.all_steps.filter(chain_version=chain.version - 1)
            )
        audit_record(
            target=chain,
            action="approval_chain.changed",
            actor=by,
            changes={"before": before, "after": chain_state(chain)},
        )
    return chain


def chain_for(kind: str) -> ApprovalChain:
    """The active chain of `kind`; the first time, the chain the kind's app starts with (what
    it decided before chains were data), made once even when two requests ask at once."""
    chain = ApprovalChain.objects.filter(kind=kind, active=True).first()
    if chain is not None:
        return chain
    adapter = registry.kind_adapter(kind)
    if adapter is None or not adapter.default_steps:
        raise Conflict(_("No approval chain is defined for this kind."), code="no_approval_chain")
    try:
        with transaction.atomic():
            chain = ApprovalChain.objects.create(
                kind=kind, name=str(adapter.default_name or kind), active=True
            )
            _write_steps(chain, [dict(step) for step in adapter.default_steps])
            audit_record(
                target=chain,
                action="approval_chain.defined",
                actor=None,
                changes={"before": None, "after": chain_state(chain)},
            )
    except IntegrityError:
        chain = ApprovalChain.objects.get(kind=kind, active=True)
    return chain

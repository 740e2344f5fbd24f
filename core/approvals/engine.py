"""Running approval requests: start one on a subject, decide a step (approve, reject, send
back), withdraw, resubmit after rework. Every change is in one transaction with its audit
event; the request's row is locked while a decision is recorded, so of two approvers racing
one decides and the other is told it is decided (409)."""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ..audit import audit_record
from ..errors import Conflict, Forbidden, ValidationFailed
from ..fsm import transition_run
from ..messages import call, label, message
from ..notifications import notify
from . import registry
from .chains import chain_for
from .choices import (
    OPEN_APPROVAL_STATES,
    ApprovalDecision,
    ApprovalKind,
    ApprovalMode,
    ApprovalState,
    TaskOutcome,
)
from .models import ApprovalRequest, ApprovalStep, ApprovalTask
from .rules import approvers_for, condition_matches, eligible, requester_may_decide, stand_in

OUTCOME = {
    ApprovalDecision.APPROVE: TaskOutcome.APPROVED,
    ApprovalDecision.REJECT: TaskOutcome.REJECTED,
    ApprovalDecision.SEND_BACK: TaskOutcome.SENT_BACK,
}


def _params(request: ApprovalRequest) -> dict:
    return {"kind": label(ApprovalKind, request.kind), "title": request.title}


def step_name(step: ApprovalStep) -> dict:
    """A step's name as a message param: shown in the reader's language where the system gave
    it (registry.shown_name), as typed where an administrator did."""
    return call("core.approvals.registry.shown_name", step.name)


def steps_of(request: ApprovalRequest) -> list[ApprovalStep]:
    """The steps the request runs on: its chain's, as they stood when it started."""
    return list(
        ApprovalStep.objects.filter(
            chain_id=request.chain_id, chain_version=request.chain_version
        ).order_by("position")
    )


def open_request_for(subject: models.Model, kind: str | None = None) -> ApprovalRequest | None:
    """The subject's open request (pending or sent back), if any."""
    found = ApprovalRequest.objects.filter(
        subject_type=ContentType.objects.get_for_model(subject, for_concrete_model=False),
        subject_id=subject.pk,
        state__in=OPEN_APPROVAL_STATES,
    )
    if kind:
        found = found.filter(kind=kind)
    return found.select_related("current_step", "org_unit").first()


def _assign(request: ApprovalRequest, step: ApprovalStep, people, *, escalated=False) -> list:
    """A task per person (or whoever stands in for them today), never the requester's; a
    person who already has one on this step and round keeps it."""
    made, seen = (
        [],
        set(
            ApprovalTask.objects.filter(
                request=request, round=request.round, step=step
            ).values_list("assignee_id", flat=True)
        ),
    )
    for person in people:
        assignee, stands_in_for = stand_in(person)
        if assignee.pk == request.requester_id:
            assignee, stands_in_for = person, None
        if assignee.pk in seen:
            continue
        seen.add(assignee.pk)
        made.append(
            ApprovalTask.objects.create(
                request=request,
                step=step,
                round=request.round,
                assignee=assignee,
                delegated_from=stands_in_for,
                escalated=escalated,
            )
        )
        if stands_in_for is not None:
            audit_record(
                target=request,
                action="approval.delegated",
                actor=None,
                comment=message(
                    "note.approval_delegated", to=str(assignee), **{"from": str(person)}
                ),
                changes={"step": step.name, "assignee": str(assignee)},
            )
    return made


def _tell_waiting(request: ApprovalRequest, step: ApprovalStep, tasks: list) -> None:
    users = [task.assignee for task in tasks]
    if not users:
        return
    adapter = registry.kind_adapter(request.kind)
    if adapter is not None and adapter.notify_waiting is not None:
        subject = registry.subject_of(request)
        if subject is not None:
            adapter.notify_waiting(request, subject, users)
            return
    notify(
        recipients=users,
        kind="approval.waiting",
        message=message("approval.waiting", step=step_name(step), **_params(request)),
        target=request,
        exclude=request.requester,
    )


def _advance(request: ApprovalRequest, *, after: int, by, comment: str = "") -> ApprovalRequest:
    """Open the next step whose condition matches (skipping, and recording, those that do
    not); with none left the request is approved."""
    for step in steps_of(request):
        if step.position <= after:
            continue
        if not condition_matches(step.condition, request.facts, request.org_unit):
            audit_record(
                target=request,
                action="approval.step_skipped",
                actor=None,
                comment=message("note.approval_skipped", step=step_name(step)),
                changes={"step": step.name},
            )
            continue
        request.current_step = step
        request.waiting_since = timezone.now()
        ApprovalRequest.objects.filter(pk=request.pk).update(
            current_step=step, waiting_since=request.waiting_since
        )
        tasks = _assign(request, step, approvers_for(step.approver, request))
        _tell_waiting(request, step, tasks)
        return request
    return _finish(request, "grant", by=by, comment=comment)


def _close_waiting(request: ApprovalRequest) -> None:
    ApprovalTask.objects.filter(request=request, outcome=TaskOutcome.WAITING).update(
        outcome=TaskOutcome.CLOSED, decided_at=timezone.now()
    )


def _finish(request: ApprovalRequest, name: str, *, by, comment: str, callback=True):
    """End the request (or send it back): its state, the waiting tasks closed, the subject's
    app told (`on_ended`), the requester told."""
    _close_waiting(request)
    transition_run(request, name, by=by, comment=comment, internal=True, check_policy=False)
    ApprovalRequest.objects.filter(pk=request.pk).update(
        decided_at=timezone.now(), current_step=None
    )
    adapter = registry.kind_adapter(request.kind)
    if callback and adapter is not None:
        subject = registry.subject_of(request)
        if subject is not None:
            adapter.on_ended(request, subject, by, comment)
    tell = True if adapter is None else adapter.extra.get("notify_ended", True)
    if callback and (tell(request) if callable(tell) else tell):
        notify(
            recipients=[request.requester],
            kind="approval.decided",
            message=message(
                "approval.decided", state=label(ApprovalState, request.state), **_params(request)
            ),
            target=request,
            body=comment,
            exclude=by,
        )
    return request


def request_start(
    *,
    kind: str,
    subject: models.Model,
    requester,
    org_unit,
    facts: dict | None = None,
    title: str = "",
) -> ApprovalRequest:
    """Start `subject` through the active chain of `kind`: the first step that applies gets
    its approvers' tasks and they are told; with no step applying it is approved at once.
    One open request per subject and kind."""
    chain = chain_for(kind)
    with transaction.atomic():
        if open_request_for(subject, kind) is not None:
            raise Conflict(_("An approval is already under way."), code="approval_open")
        try:
            with transaction.atomic():
                request = ApprovalRequest.objects.create(
                    kind=kind,
                    chain=chain,
                    chain_version=chain.version,
                    subject_type=ContentType.objects.get_for_model(
                        subject, for_concrete_model=False
                    ),
                    subject_id=subject.pk,
                    title=(title or str(subject))[:255],
                    requester=requester,
                    org_unit=org_unit,
                    facts=facts or {},
                )
        except IntegrityError as exc:
            raise Conflict(_("An approval is already under way."), code="approval_open") from exc
        audit_record(
            target=request,
            action="approval.requested",
            actor=requester,
            changes={"chain": chain.name, "version": chain.version},
        )
        return _advance(request, after=0, by=requester)


def _lock(request: ApprovalRequest) -> ApprovalRequest:
    return (
        ApprovalRequest.objects.select_for_update(of=("self",))
        .select_related("current_step", "org_unit", "requester")
        .get(pk=request.pk)
    )


def _waiting_tasks(request: ApprovalRequest) -> models.QuerySet:
    return ApprovalTask.objects.filter(
        request=request,
        round=request.round,
        step=request.current_step,
        outcome=TaskOutcome.WAITING,
    )


def _extra(request: ApprovalRequest, key: str):
    adapter = registry.kind_adapter(request.kind)
    return adapter.extra.get(key) if adapter is not None else None


def may_decide(user, request: ApprovalRequest) -> bool:
    """Whether `user` may decide the request's current step now: one asked (or standing in),
    or, on an any-of step, one its approver spec allows. Never the requester (unless the kind
    says its requester only opened it: a gate's opener)."""
    if (
        not user.is_authenticated
        or request.state != ApprovalState.PENDING
        or request.current_step_id is None
        or (user.pk == request.requester_id and not requester_may_decide(request))
    ):
        return False
    if _waiting_tasks(request).filter(assignee=user).exists():
        return True
    step = request.current_step
    return step.mode == ApprovalMode.ANY_OF and eligible(user, step.approver, request)


def request_decide(
    *, request: ApprovalRequest, by, decision: str, comment: str = ""
) -> ApprovalRequest:
    """Record `by`'s decision on the current step. Approve: an any-of step (or an escalated
    approver's word) moves on; an all-of step when the last one approves. Reject or send back
    ends the round at once; a rejection or a send-back says why (or, for a kind with its own
    rules, `before_decide(request, subject, by, decision, comment)` judges the decision)."""
    if decision not in ApprovalDecision.values:
        raise ValidationFailed(
            _("Choose approve, reject or send back."),
            fields={"decision": [_("Choose approve, reject or send back.")]},
        )
    comment = (comment or "").strip()
    before_decide = _extra(request, "before_decide")
    if before_decide is None and decision != ApprovalDecision.APPROVE and not comment:
        raise ValidationFailed(_("Say why."), fields={"comment": [_("Required.")]})
    with transaction.atomic():
        request = _lock(request)
        if request.state != ApprovalState.PENDING or request.current_step_id is None:
            raise Conflict(
                _("This request is not waiting for a decision (%(state)s).")
                % {"state": request.get_state_display()},
                code="approval_not_pending",
            )
        if by.pk == request.requester_id and not requester_may_decide(request):
            raise Forbidden(_("You may not decide your own request."), code="approval_own_request")
        step = request.current_step
        task = _waiting_tasks(request).filter(assignee=by).first()
        if task is None:
            if step.mode != ApprovalMode.ANY_OF or not eligible(by, step.approver, request):
                raise Forbidden(_("This step does not wait for you."), code="approval_not_yours")
            task = ApprovalTask.objects.filter(
                request=request, round=request.round, step=step, assignee=by
            ).first() or ApprovalTask(request=request, step=step, round=request.round, assignee=by)
        if before_decide is not None:  # the kind's own rules (a gate's: go needs every seat)
            before_decide(request, registry.subject_of(request), by, decision, comment)
        task.outcome, task.comment, task.decided_at = OUTCOME[decision], comment, timezone.now()
        task.save()
        audit_record(
            target=request,
            action="approval.decided",
            actor=by,
            comment=comment,
            changes={
                "step": step.name,
                "decision": decision,
                "on_behalf_of": str(task.delegated_from) if task.delegated_from_id else "",
            },
        )
        if decision == ApprovalDecision.REJECT:
            return _finish(request, "refuse", by=by, comment=comment)
        if decision == ApprovalDecision.SEND_BACK:
            return _finish(request, "return_for_rework", by=by, comment=comment)
        if (
            step.mode == ApprovalMode.ALL_OF
            and not task.escalated
            and _waiting_tasks(request).filter(escalated=False).exists()
        ):
            return request
        _close_waiting(request)
        return _advance(request, after=step.position, by=by, comment=comment)


def _requester_only(request: ApprovalRequest, by) -> None:
    if by.pk != request.requester_id:
        raise Forbidden(_("Only the one who asked may do this."), code="approval_requester_only")


def request_withdraw(*, request: ApprovalRequest, by, reason: str = "") -> ApprovalRequest:
    """The requester takes the request back; its approvers are told there is nothing to do,
    and the subject's app is told (a special price's quote is withdrawn)."""
    with transaction.atomic():
        request = _lock(request)
        _requester_only(request, by)
        if request.state not in OPEN_APPROVAL_STATES:
            raise Conflict(
                _("This request is already decided (%(state)s).")
                % {"state": request.get_state_display()},
                code="approval_not_open",
            )
        before_withdraw = _extra(request, "before_withdraw")
        if before_withdraw is not None:  # the kind's app may say it is withdrawn elsewhere
            before_withdraw(request, registry.subject_of(request), by)
        waiting = [t.assignee for t in _waiting_tasks(request).select_related("assignee")]
        _finish(request, "withdraw_request", by=by, comment=reason)
        notify(
            recipients=waiting,
            kind="approval.withdrawn",
            message=message("approval.withdrawn", **_params(request)),
            target=request,
            exclude=by,
        )
    return request


def requests_withdraw_for(subject: models.Model, *, by, kind: str | None = None) -> int:
    """The subject was withdrawn by its own app: withdraw its open requests (the app is not
    called back: it is the one withdrawing)."""
    count = 0
    request = open_request_for(subject, kind)
    while request is not None and count < 10:
        with transaction.atomic():
            request = _lock(request)
            if request.state in OPEN_APPROVAL_STATES:
                _finish(request, "withdraw_request", by=by, comment="", callback=False)
                count += 1
        request = open_request_for(subject, kind)
    return count


def request_resubmit(
    *, request: ApprovalRequest, by, facts: dict | None = None, comment: str = ""
) -> ApprovalRequest:
    """Submit again after a send-back: a new round from the first step, on the facts as they
    are now."""
    with transaction.atomic():
        request = _lock(request)
        _requester_only(request, by)
        if request.state != ApprovalState.SENT_BACK:
            raise Conflict(
                _("Only a request sent back for rework can be submitted again."),
                code="approval_not_sent_back",
            )
        adapter = registry.kind_adapter(request.kind)
        before = adapter.extra.get("before_resubmit") if adapter is not None else None
        if before is not None:  # the kind's app may say it is submitted again elsewhere
            before(request, registry.subject_of(request), by)
        request.round += 1
        if facts is not None:
            request.facts = facts
        transition_run(
            request,
            "resubmit",
            by=by,
            comment=comment,
            internal=True,
            check_policy=False,
            update_fields=["round", "facts"],
        )
        return _advance(request, after=0, by=by)


def first_step_applies(kind: str, facts: dict, org_unit) -> bool:
    """Whether a step of the active chain of `kind` applies to these facts (a kind whose
    subject must never pass unasked starts a request only then)."""
    return any(condition_matches(step.condition, facts, org_unit) for step in chain_for(kind).steps)


def request_refresh(*, request: ApprovalRequest, facts: dict) -> ApprovalRequest | None:
    """The subject's facts changed while it waits (a gate escalated to the office): before
    anyone approved in this round, the round starts again on the new facts (the waiting tasks
    dropped, the first step that applies asked); after, only the later steps judge them. None
    (the request withdrawn, silently) when no step applies any more."""
    with transaction.atomic():
        request = _lock(request)
        if request.state != ApprovalState.PENDING:
            return request
        request.facts = facts
        ApprovalRequest.objects.filter(pk=request.pk).update(facts=facts)
        approved = ApprovalTask.objects.filter(
            request=request, round=request.round, outcome=TaskOutcome.APPROVED
        )
        if approved.exists():
            return request
        # Not decided by anyone: asked anew of whoever the steps name now (a person still
        # named gets a fresh task, not a closed one).
        ApprovalTask.objects.filter(
            request=request, round=request.round, outcome=TaskOutcome.WAITING
        ).delete()
        if not any(
            condition_matches(step.condition, facts, request.org_unit) for step in steps_of(request)
        ):
            _finish(request, "withdraw_request", by=None, comment="", callback=False)
            return None
        return _advance(request, after=0, by=request.requester)

"""A gate's own decision as the first step of an approval chain (ADR 17, issue 20.3).

A review's decision runs on the approval engine: kind `gate_decision`, or the kind its subject
names (`GateSubject.extra["approval_kind"]`: a contract change's review runs on
`contract_change`). The default chain is one any-of step, the resolver `core.gate_authority`
(the managers with the review's authority, as before chains were data); an administrator may
replace or extend it (a named person for ATC above an amount, a second signature). The gate's
own rules stay here (`check_rules`: go needs every seat's assessment, hold needs a reason);
go, stop and hold are the engine's approve, reject and send back. The review is opened with
its request (the opener asks and, having the authority, may decide it); a review no step of
the chain applies to is decided by its authority directly, so a chain never lets a gate pass
unasked. `gate_may_decide` is the one answer to "may this user decide this review now"
(`policy.may(user, "gates.decide", review)`)."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from ..approvals import engine
from ..approvals.choices import (
    ApprovalDecision,
    ApprovalKind,
    ApprovalState,
    ApproverType,
    TaskOutcome,
)
from ..approvals.models import ApprovalRequest, ApprovalTask
from ..approvals.registry import ApprovalSubject
from ..choices import Decision, GateState, TriangleRole
from ..errors import Conflict, ValidationFailed
from ..messages import call, label, message
from ..models import GateReview
from ..notifications import notify
from .authority import may_decide
from .config import SEATS, registered
from .steps import GATE_AUTHORITY, before_resubmit

#: The gate's decision as the engine records it, and back.
TO_ENGINE = {
    Decision.GO: ApprovalDecision.APPROVE,
    Decision.STOP: ApprovalDecision.REJECT,
    Decision.HOLD: ApprovalDecision.SEND_BACK,
}
FROM_ENGINE = {value: key for key, value in TO_ENGINE.items()}
#: The kinds a review's decision may run on (the inbox lists their tasks as gates to decide).
DECISION_KINDS = (ApprovalKind.GATE_DECISION, ApprovalKind.CONTRACT_CHANGE)


def authority_step(name: str) -> dict:
    """The default step: the managers with the review's authority, any one of them."""
    return {"name": name, "approver": {"type": ApproverType.RESOLVER, "name": GATE_AUTHORITY}}


def approval_kind(review: GateReview) -> str:
    adapter = registered(review.subject_type.model_class())
    return (adapter.extra.get("approval_kind") if adapter else None) or ApprovalKind.GATE_DECISION


def decision_facts(review: GateReview) -> dict:
    """What the chain's conditions judge: the review's facts (amount, currency, margin ...),
    the gate's kind, whether it is escalated, and what the subject adds."""
    facts = {k: (None if v is None else str(v)) for k, v in (review.facts or {}).items()}
    adapter = registered(review.subject_type.model_class())
    more = adapter.extra.get("approval_facts") if adapter else None
    added = more(review.subject) if more is not None else {}
    return {**facts, **added, "gate": review.kind, "escalated": bool(review.escalated)}


def decision_request(review: GateReview) -> ApprovalRequest | None:
    """The review's decision waiting on the engine, if any."""
    request = engine.open_request_for(review, approval_kind(review))
    return request if request is not None and request.state == ApprovalState.PENDING else None


def decision_start(review: GateReview) -> ApprovalRequest | None:
    """Put the review's decision on its chain (the opener asks); None when no step applies (its
    authority decides it directly)."""
    kind, facts = approval_kind(review), decision_facts(review)
    if not engine.first_step_applies(kind, facts, review.org_unit):
        return None
    return engine.request_start(
        kind=kind,
        subject=review,
        requester=review.opened_by,
        org_unit=review.org_unit,
        facts=facts,
        title=review.title,
    )


def decision_refresh(review: GateReview) -> None:
    """The review was escalated (its authority or facts changed): its decision is asked again
    of whoever the chain names now."""
    request = decision_request(review)
    if request is not None:
        engine.request_refresh(request=request, facts=decision_facts(review))
    elif review.state == GateState.OPEN and not _awaiting_escalated_steps(review):
        decision_start(review)


def _awaiting_escalated_steps(review: GateReview) -> ApprovalRequest | None:
    return engine.open_request_for(review, ApprovalKind.ESCALATED_GATE)


def approved_in_round(request: ApprovalRequest):
    return ApprovalTask.objects.filter(
        request=request, round=request.round, outcome=TaskOutcome.APPROVED
    ).order_by("decided_at", "id")


def awaiting(review: GateReview, user) -> ApprovalRequest | None:
    """The request the review waits at that `user` may not decide (its page links it instead
    of the form): an escalated go's steps, or the chain's later steps after an approval."""
    if review.state != GateState.OPEN:
        return None
    steps = _awaiting_escalated_steps(review)
    if steps is not None:
        return steps
    request = decision_request(review)
    if request is None or engine.may_decide(user, request):
        return None
    return request if approved_in_round(request).exists() else None


def gate_may_decide(user, review: GateReview) -> bool:
    """Whether `user` may decide the open review now: whoever the engine lets decide the step
    it waits at; with no request (no step applies, or a review older than chains), its
    authority; nobody while an escalated go's steps run."""
    if not user.is_authenticated or review.state != GateState.OPEN:
        return False
    if _awaiting_escalated_steps(review) is not None:
        return False
    request = decision_request(review)
    if request is None:
        return may_decide(user, review)
    return engine.may_decide(user, request)


def check_rules(review: GateReview, decision: str, comment: str) -> None:
    """The gate's own rules, whoever decides and on whichever surface: go needs every seat's
    assessment, hold says what must be reworked (stop needs no reason, as before)."""
    if decision == Decision.GO:
        done = set(review.assessments.values_list("role", flat=True))
        missing = [str(TriangleRole(r).label) for r in SEATS if r not in done]
        if missing:
            raise ValidationFailed(
                _("Go needs every seat's assessment; missing: %(missing)s.")
                % {"missing": ", ".join(missing)},
                code="assessments_missing",
                fields={"decision": missing},
            )
    if decision == Decision.HOLD and not (comment or "").strip():
        raise ValidationFailed(
            _("Say what must be reworked."), fields={"comment": [_("Required for hold.")]}
        )


def locked_review(review: GateReview) -> GateReview:
    return (
        GateReview.objects.select_for_update()
        .select_related("authority_unit", "org_unit", "team")
        .get(pk=review.pk)
    )


def _before_decide(request, review, by, decision: str, comment: str) -> None:
    """The gate's rules on the engine's surface too; and overturning an approval already given
    in the round (a later step's reject) says why, as every later step did before."""
    review = locked_review(review)
    if review.state != GateState.OPEN:
        raise Conflict(_("This review is already decided."), code="gate_decided")
    check_rules(review, FROM_ENGINE[decision], comment)
    overturning = decision == ApprovalDecision.REJECT and approved_in_round(request).exists()
    if overturning and not comment:
        raise ValidationFailed(_("Say why."), fields={"comment": [_("Required.")]})


def _waiting(request, review: GateReview, users) -> None:
    """Tell a step's approvers, unless the gate told them itself (its authority, asked first:
    `gate.opened`, `gate.ready`, `gate.escalated` reach them as before)."""
    step = request.current_step
    if (
        step is not None
        and step.approver.get("name") == GATE_AUTHORITY
        and not approved_in_round(request).exists()
    ):
        return
    notify(
        recipients=users,
        kind="approval.waiting",
        message=message(
            "approval.waiting",
            step=call("core.approvals.registry.shown_name", step.name if step else ""),
            kind=label(ApprovalKind, request.kind),
            title=request.title,
        ),
        url=review.get_absolute_url(),
        target=review.subject,
        email=True,
        exclude=None,
    )


def _withdraw_elsewhere(request, review, by) -> None:
    raise Conflict(
        _("A gate's decision is withdrawn only with its review."),
        code="approval_withdraw_elsewhere",
    )


def decision_subject(
    *, on_ended, default_name: str, step_name: str, **overrides
) -> ApprovalSubject:
    """How the engine talks to a review whose decision runs on a chain of this kind
    (`on_ended`: the gate service's `decision_ended`, which records the decision)."""
    values = {
        "default_name": default_name,
        "default_steps": (authority_step(step_name),),
        "notify_waiting": _waiting,
        "seat_holder": lambda review, seat: review.team.seat(seat),
        "extra": {
            "requester_may_decide": True,
            "notify_ended": False,
            "before_decide": _before_decide,
            "before_resubmit": before_resubmit,
            "before_withdraw": _withdraw_elsewhere,
        },
    }
    values.update(overrides)
    return ApprovalSubject(on_ended=on_ended, **values)


GATE_DECISION_NAME = gettext_noop("Gate decision")
GATE_AUTHORITY_STEP_NAME = gettext_noop("The gate's authority")

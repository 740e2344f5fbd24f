"""An escalated gate's go, followed by the company's steps (ADR 17, kind `escalated_gate`).

The authority rules (`authority.py`) escalate a gate; a manager with that authority decides.
A company may add steps after an escalated gate's go (a second signature above an amount,
say) by defining an `escalated_gate` chain; with none (the default: no steps) the go is
recorded at once, as before. While the steps run the review stays open and waits (409
`gate_awaiting_approval`); the last approval records the go (the decider's, with their
comment), a rejection stop, a send-back hold (in the decider's name, with the step's reason:
the step's approver is on the request's record); the decider withdrawing the request
lets the gate be decided again. The resolver `core.gate_authority` names the managers with
the review's authority (`deciders`), so a step may ask all of them, say."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ..approvals.choices import ApprovalKind
from ..approvals.engine import open_request_for, request_start, requests_withdraw_for
from ..approvals.models import ApprovalChain
from ..approvals.registry import Resolver, register_resolver, subject_of
from ..errors import Conflict
from ..models import GateReview
from .authority import deciders, may_decide

GATE_AUTHORITY = "core.gate_authority"


def go_needs_steps(review: GateReview) -> bool:
    """Whether an escalated review's go waits for the company's escalated-gate chain."""
    return bool(
        review.escalated
        and ApprovalChain.objects.filter(kind=ApprovalKind.ESCALATED_GATE, active=True).exists()
    )


def awaiting_steps(review: GateReview, request=None) -> None:
    """Refuse a decision while the review's go waits for its steps (an escalated go's, or the
    later steps of its own chain: `request`)."""
    if request is not None or open_request_for(review, ApprovalKind.ESCALATED_GATE) is not None:
        raise Conflict(
            _("The go on this gate waits for its approval steps; decide there or withdraw it."),
            code="gate_awaiting_approval",
        )


def _facts(review: GateReview) -> dict:
    facts = {k: (None if v is None else str(v)) for k, v in (review.facts or {}).items()}
    return {**facts, "gate": review.kind}


def go_after_steps(review: GateReview, *, by, comment: str) -> None:
    """The decider said go on an escalated review: the chain's steps follow (the decider asks
    them; their go and comment are recorded when the last step approves)."""
    request_start(
        kind=ApprovalKind.ESCALATED_GATE,
        subject=review,
        requester=by,
        org_unit=review.org_unit,
        facts={**_facts(review), "go_comment": comment},
        title=review.title,
    )


def withdraw_steps(review: GateReview, *, by) -> None:
    requests_withdraw_for(review, by=by, kind=ApprovalKind.ESCALATED_GATE)


def before_resubmit(request, review, by) -> None:
    raise Conflict(
        _("Decide the gate again: its go starts the approval steps anew."),
        code="approval_resubmit_elsewhere",
    )


def _review_of(request):
    subject = subject_of(request)
    if isinstance(subject, GateReview):
        return subject
    return getattr(subject, "review", None)


def _approvers(request):
    review = _review_of(request)
    return list(deciders(review, nearest=True)) if review is not None else []


def _eligible(user, request) -> bool:
    review = _review_of(request)
    return review is not None and may_decide(user, review)


register_resolver(
    GATE_AUTHORITY,
    Resolver(
        label=gettext_lazy("Managers with the gate's authority (its authority rules)"),
        approvers=_approvers,
        eligible=_eligible,
    ),
)

"""Writes of the review gates: open a review, assess it (each seat of the iron triangle), decide
it (a manager with authority; escalation when a rule says so), withdraw it. Each is audited and
tells whoever must act next."""

from __future__ import annotations

from decimal import Decimal

from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from .. import hooks, policy
from ..approvals.choices import ApprovalKind, ApprovalState
from ..approvals.engine import may_decide as engine_may_decide
from ..approvals.engine import open_request_for, request_decide, requests_withdraw_for
from ..approvals.models import ApprovalRequest
from ..approvals.registry import ApprovalSubject, register_kind
from ..audit import audit_record
from ..choices import Decision, GateState, RiskLevel, TriangleRole
from ..errors import Conflict, Forbidden, ValidationFailed
from ..fsm import transition_run
from ..messages import gate_review, label, message
from ..messages import reasons as why
from ..models import GateAssessment, GateReview
from ..notifications import notify
from ..records import insert_once
from .authority import deciders, escalation_reasons, may_decide
from .config import GATE_TOPICS, SEATS, subject_adapter
from .decision import (
    GATE_AUTHORITY_STEP_NAME,
    GATE_DECISION_NAME,
    TO_ENGINE,
    approval_kind,
    approved_in_round,
    check_rules,
    decision_refresh,
    decision_request,
    decision_start,
    decision_subject,
    locked_review,
)
from .steps import (
    awaiting_steps,
    before_resubmit,
    go_after_steps,
    go_needs_steps,
    withdraw_steps,
)


def _escalate(review: GateReview, reasons: list[dict], by) -> None:
    new = [r for r in reasons if r not in review.escalation_reasons]
    if not new and review.escalated:
        return
    was_escalated = review.escalated
    before = set(deciders(review, nearest=True).values_list("pk", flat=True))
    review.escalation_reasons = [*review.escalation_reasons, *new]
    review.escalated = True
    review.authority_unit = review.org_unit.office()
    review.save(update_fields=["escalation_reasons", "escalated", "authority_unit", "updated_at"])
    decision_refresh(review)
    audit_record(
        target=review.subject,
        action="gate.escalated",
        actor=by,
        comment=list(new),
        changes={"gate": review.kind, "authority_unit": str(review.authority_unit)},
    )
    if not was_escalated:
        now_deciding = list(deciders(review, nearest=True))
        notify(
            recipients=now_deciding,
            kind="gate.escalated",
            message=message("gate.escalated", review=gate_review(review), reasons=why(reasons)),
            url=review_url(review),
            target=review.subject,
            email=True,
        )
        user_model = apps.get_model("accounts", "User")
        notify(
            recipients=user_model.objects.filter(pk__in=before - {u.pk for u in now_deciding}),
            kind="gate.escalated_away",
            message=message(
                "gate.escalated_away",
                unit=str(review.authority_unit),
                review=gate_review(review),
                reasons=why(reasons),
            ),
            url=review_url(review),
            target=review.subject,
        )


def review_url(review: GateReview) -> str:
    return review.get_absolute_url()


def gate_open(*, subject: models.Model, kind: str, by, facts: dict | None = None) -> GateReview:
    """Open a review of `kind` on `subject`. Needs the full iron triangle and no open review of
    the same kind; authority rules decide whether it is escalated from the start."""
    adapter = subject_adapter(subject)
    if kind not in adapter.kinds:
        raise ValidationFailed(
            _("This record has no %(kind)s gate.") % {"kind": kind.upper()},
            fields={"kind": [_("Not a gate of this record.")]},
        )
    if not policy.can(by, subject, "change"):
        raise Forbidden(_("You may not open a review on this record."))
    team = subject.team
    missing = team.missing_seats() if team else list(SEATS)
    if missing:
        names = ", ".join(str(TriangleRole(r).label) for r in missing)
        raise ValidationFailed(
            _("The iron triangle is not complete: %(missing)s.") % {"missing": names},
            code="iron_triangle_incomplete",
            fields={"team": [names]},
        )
    problem = adapter.can_open(subject, kind)
    if problem:
        raise Conflict(problem, code="gate_not_ready")
    subject_type = ContentType.objects.get_for_model(subject)
    facts = {**adapter.facts(subject, kind), **(facts or {})}
    reasons = escalation_reasons(subject.org_unit, kind, facts, [])
    open_reviews = GateReview.objects.filter(
        subject_type=subject_type, subject_id=subject.pk, kind=kind, state=GateState.OPEN
    )

    def refuse_second_open_review():
        if open_reviews.exists():
            raise Conflict(_("A review of this gate is already open."), code="gate_open")

    with transaction.atomic():
        refuse_second_open_review()
        previous = GateReview.objects.filter(
            subject_type=subject_type, subject_id=subject.pk, kind=kind
        ).count()
        review = insert_once(  # one open review per subject and gate: a unique constraint
            lambda: GateReview.objects.create(
                subject_type=subject_type,
                subject_id=subject.pk,
                kind=kind,
                round=previous + 1,
                title=adapter.title(subject)[:255],
                org_unit=subject.org_unit,
                team=team,
                authority_unit=subject.org_unit.office() if reasons else subject.org_unit,
                escalated=bool(reasons),
                escalation_reasons=reasons,
                facts={k: str(v) if isinstance(v, Decimal) else v for k, v in facts.items()},
                opened_by=by,
            ),
            refuse=refuse_second_open_review,
        )
        audit_record(
            target=subject,
            action="gate.opened",
            actor=by,
            comment=list(reasons),
            changes={"gate": kind, "round": review.round, "escalated": bool(reasons)},
        )
        audit_record(target=review, action="created", actor=by)
        decision_start(review)  # its authority (or the company's chain) is asked
        notify(
            recipients=[m.user for m in team.members.all() if m.role in SEATS],
            kind="gate.assess",
            exclude=by,
            message=message("gate.assess", review=gate_review(review)),
            url=review_url(review),
            target=subject,
            email=True,
        )
        notify(
            recipients=deciders(review, nearest=True),
            kind="gate.opened",
            exclude=by,
            message=message("gate.opened", review=gate_review(review)),
            url=review_url(review),
            target=subject,
        )
    return review


def _validate_topics(kind: str, role: str, topics: dict) -> dict:
    wanted = GATE_TOPICS.get(kind, {}).get(role, [])
    cleaned, missing = {}, {}
    for key, topic in wanted:
        value = str((topics or {}).get(key, "")).strip()
        if not value:
            missing[f"topics.{key}"] = [_("“%(topic)s” must be assessed.") % {"topic": topic}]
        cleaned[key] = value
    if missing:
        raise ValidationFailed(_("Some topics of your seat are not assessed."), fields=missing)
    return cleaned


def gate_assess(
    *,
    review: GateReview,
    by,
    role: str | None = None,
    verdict: str,
    confidence: int,
    risk_level: str,
    risks: str = "",
    notes: str = "",
    topics: dict | None = None,
) -> GateAssessment:
    """Record (or revise) the assessment of the seat `by` holds on the review's iron triangle."""
    if review.state != GateState.OPEN:
        raise Conflict(_("This review is already decided."), code="gate_decided")
    seats = [r for r in review.team.roles_of(by) if r in SEATS]
    if role is None and len(seats) == 1:
        role = seats[0]
    if role not in seats:
        raise Forbidden(
            _("Only the AR, SR or FR of this iron triangle may assess, each for their own seat.")
        )
    errors = {}
    if verdict not in Decision.values:
        errors["verdict"] = [_("Choose go, stop or hold.")]
    if risk_level not in RiskLevel.values:
        errors["risk_level"] = [_("Choose low, medium or high.")]
    if not isinstance(confidence, int) or not 0 <= confidence <= 100:
        errors["confidence"] = [_("A whole number from 0 to 100.")]
    if errors:
        raise ValidationFailed(_("The assessment is not valid."), fields=errors)
    cleaned = _validate_topics(review.kind, role, topics or {})
    with transaction.atomic():
        assessment, created = GateAssessment.objects.update_or_create(
            review=review,
            role=role,
            defaults=dict(
                author=by,
                verdict=verdict,
                confidence=confidence,
                risk_level=risk_level,
                risks=risks,
                notes=notes,
                topics=cleaned,
            ),
        )
        audit_record(
            target=review.subject,
            action="gate.assessed",
            actor=by,
            comment=notes,
            changes={
                "gate": review.kind,
                "seat": role,
                "verdict": verdict,
                "confidence": confidence,
                "risk": risk_level,
                "revised": not created,
            },
        )
        # Query afresh: `review.assessments` may be a prefetched (stale) cache.
        submitted = GateAssessment.objects.filter(review=review)
        levels = list(submitted.values_list("risk_level", flat=True))
        reasons = escalation_reasons(review.org_unit, review.kind, review.facts, levels)
        if reasons:
            _escalate(review, reasons, by)
        if len(levels) == len(SEATS):
            notify(
                recipients=deciders(review, nearest=True),
                kind="gate.ready",
                exclude=by,
                message=message("gate.ready", review=gate_review(review)),
                url=review_url(review),
                target=review.subject,
                email=True,
            )
    return assessment


def gate_decide(*, review: GateReview, by, decision: str, comment: str = "") -> GateReview:
    """Decide go / stop / hold: whoever the review's chain asks now (by default a manager with
    its authority); go needs all three assessments. Decided through the approval engine
    (`decision.py`); a review no step applies to is decided by its authority directly.

    The request's row, then the review's, is locked (the engine's order), so of two deciders
    racing only the first decides; the second gets a 409.
    """
    if decision not in Decision.values:
        raise ValidationFailed(
            _("Choose go, stop or hold."), fields={"decision": [_("Choose go, stop or hold.")]}
        )
    with transaction.atomic():
        request = decision_request(review)
        if request is not None:
            ApprovalRequest.objects.select_for_update(of=("self",)).filter(pk=request.pk).first()
        locked = (
            GateReview.objects.select_for_update()
            .select_related("authority_unit", "org_unit", "team")
            .get(pk=review.pk)
        )
        if locked.state != GateState.OPEN:
            raise Conflict(
                _("This review was already decided (%(state)s).")
                % {"state": locked.get_state_display()},
                code="gate_decided",
            )
        if open_request_for(locked, ApprovalKind.ESCALATED_GATE) is not None:
            _refuse_without_authority(by, locked, may_decide(by, locked))
            check_rules(locked, decision, comment)
            awaiting_steps(locked)
        request = decision_request(locked) or decision_start(locked)
        if request is None:  # no step of the chain applies: the authority decides, as before
            _refuse_without_authority(by, locked, may_decide(by, locked))
            check_rules(locked, decision, comment)
            if decision == Decision.GO and go_needs_steps(locked):
                go_after_steps(locked, by=by, comment=comment)
                return GateReview.objects.get(pk=locked.pk)
            return record_decision(locked, decision=decision, by=by, comment=comment)
        if not engine_may_decide(by, request) and approved_in_round(request).exists():
            awaiting_steps(locked, request)
        _refuse_without_authority(by, locked, engine_may_decide(by, request))
        check_rules(locked, decision, comment)
        request_decide(request=request, by=by, decision=TO_ENGINE[decision], comment=comment)
        return GateReview.objects.get(pk=locked.pk)


def _refuse_without_authority(by, review: GateReview, allowed: bool) -> None:
    if not allowed:
        raise Forbidden(
            _("Deciding this gate needs the authority of %(unit)s.")
            % {"unit": review.authority_unit},
            code="gate_authority",
        )


def record_decision(locked: GateReview, *, decision: str, by, comment: str) -> GateReview:
    """Record the decision on the (locked, open) review and move its subject: the audit
    event, the subject's `on_decided`, `gate.decided` for the later stages, the people told.
    The decider's authority was checked by the caller (`gate_decide`, or the escalated gate's
    approval chain when its last step approved)."""
    with transaction.atomic():
        locked.decided_by, locked.decided_at = by, timezone.now()
        locked.decision_comment = comment
        transition_run(
            locked, f"decide_{decision}", by=by, comment=comment, internal=True, check_policy=False
        )
        subject = locked.subject
        audit_record(
            target=subject,
            action="gate.decided",
            actor=by,
            comment=comment,
            changes={"gate": locked.kind, "decision": decision, "escalated": locked.escalated},
        )
        subject_adapter(subject).on_decided(locked, subject, by)
        hooks.emit("gate.decided", review=locked, subject=subject, decision=decision, by=by)
        notify(
            recipients=[
                *(m.user for m in locked.team.members.all()),
                locked.opened_by,
                # The other deciders it reached: they need not act any more.
                *deciders(locked, nearest=True),
            ],
            kind="gate.decided",
            exclude=by,
            message=message(
                "gate.decided", review=gate_review(locked), decision=label(Decision, decision)
            ),
            body=comment,
            url=review_url(locked),
            target=subject,
            email=True,
        )
    return locked


def gate_withdraw_open(subject: models.Model, *, by, reason: str = "") -> None:
    """Withdraw any open review on `subject` (it was lost, abandoned or terminated)."""
    subject_type = ContentType.objects.get_for_model(subject)
    for review in GateReview.objects.filter(
        subject_type=subject_type, subject_id=subject.pk, state=GateState.OPEN
    ).select_related("authority_unit", "team"):
        transition_run(review, "withdraw", by=by, comment=reason, internal=True, check_policy=False)
        withdraw_steps(review, by=by)
        requests_withdraw_for(review, by=by, kind=approval_kind(review))
        notify(
            recipients=[
                *(m.user for m in review.team.members.all() if m.role in SEATS),
                *deciders(review, nearest=True),
            ],
            kind="gate.withdrawn",
            exclude=by,
            message=message("gate.withdrawn", review=gate_review(review)),
            body=reason,
            url=review_url(review),
            target=subject,
        )


# --- An escalated gate's go followed by the company's steps (steps.py) ---------------------


def _escalated_gate_ended(request, review: GateReview, by, comment: str) -> None:
    """The steps after an escalated gate's go ended: approved records the go, rejected stop,
    sent back hold; withdrawn (by the decider) leaves the review open to decide again."""
    review = GateReview.objects.select_for_update().get(pk=review.pk)
    if review.state != GateState.OPEN or request.state == ApprovalState.WITHDRAWN:
        return
    # The gate's decision stays the decider's (the one with its authority, who may move the
    # subject); who approved, refused or sent back at a step is on the request's own record.
    decider = apps.get_model("accounts", "User").objects.get(pk=request.requester_id)
    if request.state == ApprovalState.APPROVED:
        go = request.facts.get("go_comment") or ""
        record_decision(review, decision=Decision.GO, by=decider, comment=go)
    elif request.state == ApprovalState.REJECTED:
        record_decision(review, decision=Decision.STOP, by=decider, comment=comment)
    else:
        record_decision(review, decision=Decision.HOLD, by=decider, comment=comment)


# --- The chain of a gate's decision ended (decision.py) ------------------------------------


def decision_ended(request, review: GateReview, by, comment: str) -> None:
    """The chain ended: approved records go (the last approver's, with their comment or the
    earlier go's), rejected stop, sent back hold; an escalated go is still followed by the
    company's `escalated_gate` steps."""
    review = locked_review(review)
    if review.state != GateState.OPEN or request.state == ApprovalState.WITHDRAWN:
        return
    if request.state == ApprovalState.APPROVED:
        if not comment:
            said = approved_in_round(request).exclude(comment="").values_list("comment", flat=True)
            comment = said.first() or ""
        if go_needs_steps(review):
            go_after_steps(review, by=by, comment=comment)
        else:
            record_decision(review, decision=Decision.GO, by=by, comment=comment)
    elif request.state == ApprovalState.REJECTED:
        record_decision(review, decision=Decision.STOP, by=by, comment=comment)
    else:
        record_decision(review, decision=Decision.HOLD, by=by, comment=comment)


register_kind(
    ApprovalKind.GATE_DECISION,
    decision_subject(
        on_ended=decision_ended,
        default_name=GATE_DECISION_NAME,
        step_name=GATE_AUTHORITY_STEP_NAME,
    ),
)
register_kind(
    ApprovalKind.ESCALATED_GATE,
    ApprovalSubject(
        on_ended=_escalated_gate_ended,
        default_name=gettext_noop("Escalated gate"),
        default_steps=(),
        extra={"before_resubmit": before_resubmit},
    ),
)

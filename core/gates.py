"""The review-gate engine shared by opportunities (ATI, ATB, ATC) and contracts (change, close).

A gate review is opened on a subject whose iron triangle is complete. AR, SR and FR each
submit an assessment answering the topics of their seat at that gate. A sales manager with
authority decides go, stop or hold. Authority rules (margin, size, payment terms, high risk)
escalate a gate to the representative office; then only a manager there or above may decide.

Apps register their gated models with `register_subject`; the engine never imports them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import hooks, policy
from .audit import audit_record
from .choices import Decision, GateKind, GateState, RiskLevel, Role, TriangleRole
from .errors import Conflict, Forbidden, NotFound, ValidationFailed
from .fsm import transition_run
from .models import AuthorityRule, GateAssessment, GateReview
from .notifications import notify
from .records import insert_once

AR, SR, FR = TriangleRole.AR, TriangleRole.SR, TriangleRole.FR
SEATS = (AR, SR, FR)

#: What each seat must judge at each gate (DOMAIN.md, "Review gates and authority").
GATE_TOPICS: dict[str, dict[str, list[tuple[str, str]]]] = {
    GateKind.ATI: {
        AR: [
            ("relationship", gettext_lazy("Customer relationship")),
            ("decision_chain", gettext_lazy("Decision chain")),
        ],
        SR: [
            ("needs", gettext_lazy("Customer needs")),
            ("solution_fit", gettext_lazy("Solution fit")),
            ("competition", gettext_lazy("Competition")),
        ],
        FR: [
            ("deliverability", gettext_lazy("Deliverability")),
            ("delivery_risk", gettext_lazy("Delivery risk")),
        ],
    },
    GateKind.ATB: {
        AR: [
            ("relationship", gettext_lazy("Customer relationship")),
            ("price_floor", gettext_lazy("Price floor")),
            ("margin", gettext_lazy("Gross margin")),
        ],
        SR: [
            ("solution_fit", gettext_lazy("Solution fit")),
            ("competition", gettext_lazy("Competition")),
        ],
        FR: [
            ("deliverability", gettext_lazy("Deliverability")),
            ("delivery_risk", gettext_lazy("Delivery risk")),
        ],
    },
    GateKind.ATC: {
        AR: [
            ("profitability", gettext_lazy("Profitability")),
            ("payment_terms", gettext_lazy("Payment terms")),
            ("liabilities", gettext_lazy("Liabilities")),
        ],
        SR: [
            ("solution_fit", gettext_lazy("Technical commitments")),
            ("liabilities", gettext_lazy("Liabilities")),
        ],
        FR: [("schedule", gettext_lazy("Schedule")), ("cost_risk", gettext_lazy("Cost risk"))],
    },
    GateKind.CHANGE: {
        AR: [("negotiation", gettext_lazy("Negotiation with the customer"))],
        SR: [("technical_feasibility", gettext_lazy("Technical feasibility"))],
        FR: [("schedule", gettext_lazy("Schedule")), ("cost_risk", gettext_lazy("Cost"))],
    },
    GateKind.CLOSE: {
        AR: [
            ("customer_satisfaction", gettext_lazy("Customer satisfaction")),
            ("collection", gettext_lazy("Collection")),
        ],
        SR: [("solution_delivered", gettext_lazy("Solution delivered as promised"))],
        FR: [
            ("delivery_complete", gettext_lazy("Delivery complete")),
            ("acceptance", gettext_lazy("Customer acceptance")),
        ],
    },
}


@dataclass(frozen=True)
class GateSubject:
    """How the engine talks to a model whose records pass gates.

    The model must have `team` (an IronTriangle) and `org_unit`. `can_open(obj, kind)` returns
    an error message when a gate of that kind cannot open now; `facts(obj, kind)` returns the
    figures authority rules judge (amount, currency, margin_pct, down_payment_pct);
    `on_decided(review, obj, by)` moves the subject on, inside the decision's transaction.
    `fact_labels` names (translatably) further facts the subject adds, in the order the review
    page shows them; `money_facts` are the ones shown as amounts in the facts' currency.
    """

    kinds: tuple[str, ...]
    can_open: Callable[[models.Model, str], str | None]
    facts: Callable[[models.Model, str], dict]
    on_decided: Callable[[GateReview, models.Model, object], None]
    title: Callable[[models.Model], str] = str
    extra: dict = field(default_factory=dict)
    fact_labels: dict = field(default_factory=dict)
    money_facts: frozenset = frozenset()


_subjects: dict[type[models.Model], GateSubject] = {}


def register_subject(model: type[models.Model], subject: GateSubject) -> None:
    _subjects[model] = subject


def subject_adapter(obj: models.Model) -> GateSubject:
    try:
        return _subjects[type(obj)]
    except KeyError:
        raise NotFound(_("This record does not pass review gates.")) from None


#: The facts every gate knows, as the review page labels them.
FACT_LABELS = {
    "amount": gettext_lazy("Amount"),
    "margin_pct": gettext_lazy("Expected gross margin %"),
    "down_payment_pct": gettext_lazy("Down payment %"),
}


def facts_display(review: GateReview) -> list[dict]:
    """The review's facts in words, for its page: [{key, label, value, money}] in a stable order.

    Facts the subject does not label are left out (the API still returns them all)."""
    adapter = _subjects.get(review.subject_type.model_class()) if review.subject_type_id else None
    labels = {**FACT_LABELS, **(adapter.fact_labels if adapter else {})}
    money = {"amount", *(adapter.money_facts if adapter else ())}
    shown = []
    for key, label in labels.items():
        if key not in review.facts:
            continue
        value = review.facts[key]
        shown.append({"key": key, "label": label, "value": value, "money": key in money})
    return shown


# --- Authority -------------------------------------------------------------------------------


def _decimal(value) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None


def authority_rule_for(org_unit, kind: str) -> AuthorityRule | None:
    """The active rule nearest to `org_unit` up the tree; a gate-specific rule beats a general one
    on the same unit."""
    chain = org_unit.ancestor_ids()
    rules = list(
        AuthorityRule.objects.filter(
            org_unit_id__in=chain, is_active=True, gate_kind__in=[kind, ""]
        ).select_related("org_unit")
    )
    if not rules:
        return None
    depth = {pk: i for i, pk in enumerate(chain)}
    return max(rules, key=lambda r: (depth[r.org_unit_id], r.gate_kind == kind))


def escalation_reasons(org_unit, kind: str, facts: dict, risk_levels: list[str]) -> list[str]:
    """Why a gate is beyond the team's authority (empty when the team may decide)."""
    rule = authority_rule_for(org_unit, kind)
    if rule is None:
        return []
    reasons = []
    amount = _decimal(facts.get("amount"))
    if rule.max_amount is not None and amount is not None:
        if facts.get("currency", rule.currency) != rule.currency:
            reasons.append(
                _("Amount is in %(currency)s; the authority limit is in %(limit)s.")
                % {"currency": facts.get("currency"), "limit": rule.currency}
            )
        elif amount > rule.max_amount:
            reasons.append(
                _("Amount %(amount)s exceeds the limit of %(limit)s.")
                % {"amount": amount, "limit": rule.max_amount}
            )
    margin = _decimal(facts.get("margin_pct"))
    if rule.min_margin_pct is not None and margin is not None and margin < rule.min_margin_pct:
        reasons.append(
            _("Gross margin %(margin)s%% is below %(floor)s%%.")
            % {"margin": margin, "floor": rule.min_margin_pct}
        )
    down = _decimal(facts.get("down_payment_pct"))
    if (
        rule.min_down_payment_pct is not None
        and down is not None
        and down < rule.min_down_payment_pct
    ):
        reasons.append(
            _("Down payment %(down)s%% is below %(floor)s%%.")
            % {"down": down, "floor": rule.min_down_payment_pct}
        )
    if rule.escalate_on_high_risk and RiskLevel.HIGH in risk_levels:
        reasons.append(_("An assessment rates the risk high."))
    return reasons


def managers_over(org_unit, *, nearest: bool = False) -> models.QuerySet:
    """Active sales managers at `org_unit` or above it. With `nearest`, only those of the
    closest level that has any (the team's own manager before the office director), which is
    who gets told when something reaches that unit."""
    user_model = apps.get_model("accounts", "User")
    managers = user_model.objects.filter(
        role=Role.SALES_MANAGER, is_active=True, org_unit_id__in=org_unit.ancestor_ids()
    )
    if not nearest:
        return managers
    depth = managers.aggregate(deepest=models.Max("org_unit__depth"))["deepest"]
    return managers.filter(org_unit__depth=depth) if depth is not None else managers


def deciders(review: GateReview, *, nearest: bool = False) -> models.QuerySet:
    """The users who may decide this review: sales managers at its authority unit or above
    (with `nearest`, only the closest level: those notified)."""
    return managers_over(review.authority_unit, nearest=nearest)


def may_decide(user, review: GateReview) -> bool:
    return bool(
        user.is_authenticated
        and user.role == Role.SALES_MANAGER
        and user.org_unit_id
        and review.authority_unit.path.startswith(user.org_unit.path)
    )


def _escalate(review: GateReview, reasons: list[str], by) -> None:
    new = [r for r in reasons if r not in review.escalation_reasons]
    if not new and review.escalated:
        return
    was_escalated = review.escalated
    before = set(deciders(review, nearest=True).values_list("pk", flat=True))
    review.escalation_reasons = [*review.escalation_reasons, *new]
    review.escalated = True
    review.authority_unit = review.org_unit.office()
    review.save(update_fields=["escalation_reasons", "escalated", "authority_unit", "updated_at"])
    audit_record(
        target=review.subject,
        action="gate.escalated",
        actor=by,
        comment="; ".join(new),
        changes={"gate": review.kind, "authority_unit": str(review.authority_unit)},
    )
    if not was_escalated:
        now_deciding = list(deciders(review, nearest=True))
        notify(
            recipients=now_deciding,
            kind="gate.escalated",
            title=_("Escalated for your decision: %(review)s") % {"review": review},
            body="; ".join(reasons),
            url=review_url(review),
            target=review.subject,
            email=True,
        )
        user_model = apps.get_model("accounts", "User")
        notify(
            recipients=user_model.objects.filter(pk__in=before - {u.pk for u in now_deciding}),
            kind="gate.escalated_away",
            title=_("Escalated to %(unit)s; no decision needed from you: %(review)s")
            % {"unit": review.authority_unit, "review": review},
            body="; ".join(reasons),
            url=review_url(review),
            target=review.subject,
        )


def review_url(review: GateReview) -> str:
    return review.get_absolute_url()


# --- Services --------------------------------------------------------------------------------


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
            comment="; ".join(reasons),
            changes={"gate": kind, "round": review.round, "escalated": bool(reasons)},
        )
        audit_record(target=review, action="created", actor=by)
        notify(
            recipients=[m.user for m in team.members.all() if m.role in SEATS],
            kind="gate.assess",
            exclude=by,
            title=_("Your assessment is needed: %(review)s") % {"review": review},
            url=review_url(review),
            target=subject,
            email=True,
        )
        notify(
            recipients=deciders(review, nearest=True),
            kind="gate.opened",
            exclude=by,
            title=_("A gate review reached you: %(review)s") % {"review": review},
            url=review_url(review),
            target=subject,
        )
    return review


def _validate_topics(kind: str, role: str, topics: dict) -> dict:
    wanted = GATE_TOPICS.get(kind, {}).get(role, [])
    cleaned, missing = {}, {}
    for key, label in wanted:
        value = str((topics or {}).get(key, "")).strip()
        if not value:
            missing[f"topics.{key}"] = [_("“%(topic)s” must be assessed.") % {"topic": label}]
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
                title=_("Ready for your decision: %(review)s") % {"review": review},
                url=review_url(review),
                target=review.subject,
                email=True,
            )
    return assessment


def gate_decide(*, review: GateReview, by, decision: str, comment: str = "") -> GateReview:
    """Decide go / stop / hold. Only a manager with authority; go needs all three assessments.

    The review row is locked, so of two deciders racing only the first decides; the second
    gets a 409.
    """
    if decision not in Decision.values:
        raise ValidationFailed(
            _("Choose go, stop or hold."), fields={"decision": [_("Choose go, stop or hold.")]}
        )
    with transaction.atomic():
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
        if not may_decide(by, locked):
            raise Forbidden(
                _("Deciding this gate needs the authority of %(unit)s.")
                % {"unit": locked.authority_unit},
                code="gate_authority",
            )
        if decision == Decision.GO:
            done = set(locked.assessments.values_list("role", flat=True))
            missing = [str(TriangleRole(r).label) for r in SEATS if r not in done]
            if missing:
                raise ValidationFailed(
                    _("Go needs every seat's assessment; missing: %(missing)s.")
                    % {"missing": ", ".join(missing)},
                    code="assessments_missing",
                    fields={"decision": missing},
                )
        if decision == Decision.HOLD and not comment.strip():
            raise ValidationFailed(
                _("Say what must be reworked."), fields={"comment": [_("Required for hold.")]}
            )
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
        title = _("%(review)s: %(decision)s") % {
            "review": locked,
            "decision": Decision(decision).label,
        }
        notify(
            recipients=[
                *(m.user for m in locked.team.members.all()),
                locked.opened_by,
                # The other deciders it reached: they need not act any more.
                *deciders(locked, nearest=True),
            ],
            kind="gate.decided",
            exclude=by,
            title=title,
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
        notify(
            recipients=[
                *(m.user for m in review.team.members.all() if m.role in SEATS),
                *deciders(review, nearest=True),
            ],
            kind="gate.withdrawn",
            exclude=by,
            title=_("Withdrawn, nothing to do: %(review)s") % {"review": review},
            body=reason,
            url=review_url(review),
            target=subject,
        )


def reviews_of(subject: models.Model) -> models.QuerySet[GateReview]:
    return (
        GateReview.objects.filter(
            subject_type=ContentType.objects.get_for_model(subject), subject_id=subject.pk
        )
        .select_related("decided_by", "opened_by", "authority_unit")
        .prefetch_related("assessments__author")
    )


def has_go(subject: models.Model, kind: str) -> bool:
    """Whether the latest decided review of `kind` on `subject` said go."""
    return reviews_of(subject).filter(kind=kind, state=GateState.GO).exists()


def _to_decide_q(user) -> models.Q:
    if user.role == Role.SALES_MANAGER and user.org_unit_id:
        return models.Q(authority_unit__path__startswith=user.org_unit.path)
    return models.Q(pk__in=[])


def _to_assess_q(user) -> models.Q:
    seat_member = apps.get_model("accounts", "IronTriangleMember").objects.filter(
        team=models.OuterRef("team"), user=user, role__in=SEATS
    )
    assessed = GateAssessment.objects.filter(review=models.OuterRef("pk"), author=user)
    return models.Q(models.Exists(seat_member)) & ~models.Q(models.Exists(assessed))


def _waiting(q: models.Q) -> models.QuerySet[GateReview]:
    return (
        GateReview.objects.filter(state=GateState.OPEN)
        .filter(q)
        .select_related("authority_unit", "subject_type")
    )


def reviews_to_decide(user) -> models.QuerySet[GateReview]:
    """Open reviews this user has the authority to decide, escalated ones first."""
    return _waiting(_to_decide_q(user)).order_by("-escalated", "created_at")


def reviews_to_assess(user) -> models.QuerySet[GateReview]:
    """Open reviews on which this user holds a seat and has not assessed yet."""
    return _waiting(_to_assess_q(user)).order_by("created_at")


def reviews_waiting_for(user) -> models.QuerySet[GateReview]:
    """Open reviews this user must act on: to decide (authority) or to assess (their seat)."""
    return _waiting(_to_decide_q(user) | _to_assess_q(user)).order_by("created_at")

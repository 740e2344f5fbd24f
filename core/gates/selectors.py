"""Reads of the review gates: a subject's reviews, whether it has a go, the reviews waiting for
a user (to assess or to decide) or raised in a manager's team, and a review's facts in
words."""

from __future__ import annotations

from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.db import models

from .. import policy
from ..access import indexed_union
from ..approvals.choices import ApprovalState, TaskOutcome
from ..approvals.models import ApprovalRequest, ApprovalTask
from ..choices import GateState, Role
from ..models import GateAssessment, GateReview
from .config import FACT_LABELS, SEATS, registered
from .decision import DECISION_KINDS
from .steps import GATE_AUTHORITY


def facts_display(review: GateReview) -> list[dict]:
    """The review's facts in words, for its page: [{key, label, value, money}] in a stable order.

    Facts the subject does not label are left out (the API still returns them all)."""
    adapter = registered(review.subject_type.model_class()) if review.subject_type_id else None
    labels = {**FACT_LABELS, **(adapter.fact_labels if adapter else {})}
    money = {"amount", *(adapter.money_facts if adapter else ())}
    shown = []
    for key, label in labels.items():
        if key not in review.facts:
            continue
        value = review.facts[key]
        shown.append({"key": key, "label": label, "value": value, "money": key in money})
    return shown


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


def _decision_requests():
    """The pending requests of open reviews' decisions (ADR 17: the gate's own step)."""
    return ApprovalRequest.objects.filter(
        subject_type=ContentType.objects.get_for_model(GateReview),
        subject_id=models.OuterRef("pk"),
        state=ApprovalState.PENDING,
        kind__in=DECISION_KINDS,
    )


def gate_decision_tasks(user, reviews: models.QuerySet) -> models.QuerySet:
    """The ids of `user`'s waiting tasks that are the decision of one of `reviews`."""
    return ApprovalTask.objects.filter(
        request__subject_id__in=reviews.values("pk"),
        assignee=user,
        outcome=TaskOutcome.WAITING,
        request__state=ApprovalState.PENDING,
        request__kind__in=DECISION_KINDS,
        request__subject_type=ContentType.objects.get_for_model(GateReview),
    ).values("pk")


def _to_decide_arms(user) -> list[models.Q]:
    """Reviews waiting for `user`'s decision: those whose decision waits at the gate's
    authority (or has no request: no step applies) where they have it, and those whose step
    asks them by name (a person, a role, a stand-in). Each alternative is asked from the side
    an index answers (the user's waiting tasks), not row by row of the reviews (issue 24.1)."""
    asked = ApprovalTask.objects.filter(
        request__subject_type=ContentType.objects.get_for_model(GateReview),
        request__state=ApprovalState.PENDING,
        request__kind__in=DECISION_KINDS,
        request__current_step=models.F("step"),
        assignee=user,
        outcome=TaskOutcome.WAITING,
    ).values("request__subject_id")
    arms = [models.Q(pk__in=asked)]
    if user.role == Role.SALES_MANAGER and user.org_unit_id:
        pending = _decision_requests()
        at_authority = pending.filter(current_step__approver__name=GATE_AUTHORITY)
        authority = models.Q(authority_unit__path__startswith=user.org_unit.path) & (
            ~models.Exists(pending) | models.Exists(at_authority)
        )
        arms.insert(0, authority)
    return arms


def _to_assess_arms(user) -> list[models.Q]:
    """Reviews on a team where `user` holds a seat that they have not assessed: the user's
    seats first (the member table's user index), then those teams' reviews."""
    seats = apps.get_model("accounts", "IronTriangleMember").objects.filter(
        user=user, role__in=SEATS
    )
    assessed = GateAssessment.objects.filter(review=models.OuterRef("pk"), author=user)
    return [models.Q(team__in=seats.values("team")) & ~models.Q(models.Exists(assessed))]


def _waiting(arms: list[models.Q]) -> models.QuerySet[GateReview]:
    """The open reviews any of `arms` names, as a union of indexed look-ups (`indexed_union`:
    an OR of these would read every open review and test each)."""
    either = models.Q(pk__in=[])
    for arm in arms:
        either |= models.Q(state=GateState.OPEN) & arm
    return GateReview.objects.filter(indexed_union(GateReview, either)).select_related(
        "authority_unit", "subject_type"
    )


def reviews_to_decide(user) -> models.QuerySet[GateReview]:
    """Open reviews this user has the authority to decide, escalated ones first."""
    return _waiting(_to_decide_arms(user)).order_by("-escalated", "created_at")


def reviews_to_assess(user) -> models.QuerySet[GateReview]:
    """Open reviews on which this user holds a seat and has not assessed yet."""
    return _waiting(_to_assess_arms(user)).order_by("created_at")


def reviews_waiting_for(user) -> models.QuerySet[GateReview]:
    """Open reviews this user must act on: to decide (authority) or to assess (their seat)."""
    return _waiting(_to_decide_arms(user) + _to_assess_arms(user)).order_by("created_at")


def reviews_raised_in_team(user) -> models.QuerySet[GateReview]:
    """Open reviews raised in the units this manager heads (their unit's subtree), oldest
    first: the ones they decide and the escalated ones waiting above them alike."""
    if not policy.may(user, "gates.follow_team"):
        return GateReview.objects.none()
    return (
        policy.restrict(_waiting([models.Q(org_unit__path__startswith=user.org_unit.path)]), user)
        .select_related("org_unit")
        .order_by("created_at", "pk")
    )

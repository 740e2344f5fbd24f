"""Reads of approvals: what waits on a person (oldest first), the requests one may see, a
request's steps with each decision."""

from __future__ import annotations

from django.db import models

from .. import policy
from ..access import indexed_union
from .choices import ApprovalState, TaskOutcome
from .models import ApprovalRequest, ApprovalStep, ApprovalTask


def tasks_waiting_on(user) -> models.QuerySet[ApprovalTask]:
    """The approval tasks waiting for `user`'s decision, oldest first."""
    return (
        ApprovalTask.objects.filter(
            assignee=user, outcome=TaskOutcome.WAITING, request__state=ApprovalState.PENDING
        )
        .select_related("request", "request__requester", "request__org_unit", "step")
        .select_related("delegated_from")
        .order_by("created_at", "id")
    )


def requests_visible(user) -> models.QuerySet[ApprovalRequest]:
    """Requests `user` may see: those in their scope (their own, their unit's subtree) and
    those they were asked to decide."""
    scoped = policy.restrict(ApprovalRequest.objects.all(), user)
    asked = ApprovalTask.objects.filter(assignee=user).values("request")
    # A union of the two look-ups (issue 24.1): an OR with a correlated EXISTS is tested on
    # every request of the table.
    either = models.Q(pk__in=scoped.values("pk")) | models.Q(pk__in=asked)
    return ApprovalRequest.objects.filter(indexed_union(ApprovalRequest, either)).select_related(
        "requester", "org_unit", "current_step", "chain"
    )


def request_steps(request: ApprovalRequest) -> list[dict]:
    """Each step of the request's chain with the tasks of every round, in order."""
    tasks = list(
        ApprovalTask.objects.filter(request=request)
        .select_related("assignee", "delegated_from")
        .order_by("round", "created_at", "id")
    )
    steps = ApprovalStep.objects.filter(
        chain_id=request.chain_id, chain_version=request.chain_version
    ).order_by("position")
    return [
        {
            "step": step,
            "current": step.pk == request.current_step_id,
            "tasks": [t for t in tasks if t.step_id == step.pk],
        }
        for step in steps
    ]

"""The opportunity page's stage progress bar: the stages of the path to won in order, the gate
between two stages where there is one, and the end state (won, lost, abandoned)."""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType

from core.choices import GateKind, GateState
from core.models import AuditEvent

from .choices import OPEN_STAGES, Stage
from .models import Opportunity

#: The path a won deal walks, in order.
PATH = [*OPEN_STAGES, Stage.WON]


def _stage_left(opportunity: Opportunity) -> str:
    """The stage a lost or abandoned deal was in when it closed (from its audit trail)."""
    left = (
        AuditEvent.objects.filter(
            target_type=ContentType.objects.get_for_model(Opportunity),
            target_id=opportunity.pk,
            action="transition",
            to_state=opportunity.state,
        )
        .order_by("-id")
        .values_list("from_state", flat=True)
        .first()
    )
    return left if left in PATH else Stage.IDENTIFIED


def stage_progress(opportunity: Opportunity, reviews) -> list[dict]:
    """Steps of the bar: {kind: "stage"|"gate"|"end", label, status: done|current|todo, ...}.

    `reviews` are the opportunity's gate reviews (already read for its page): a gate is done
    once a review said go, waiting while one is open."""
    from .gates import GATES  # the gate wiring imports the services, which import this app

    gate_after = {stage: kind for kind, (stage, _transition) in GATES.items()}
    went = {r.kind for r in reviews if r.state == GateState.GO}
    waiting = {r.kind for r in reviews if r.state == GateState.OPEN}
    closed_off = opportunity.state in (Stage.LOST, Stage.ABANDONED)
    reached = _stage_left(opportunity) if closed_off else opportunity.state
    at = PATH.index(reached)
    steps = []
    for i, stage in enumerate(PATH):
        if i < at:
            status = "done"
        elif i == at:
            status = "done" if closed_off else "current"
        else:
            status = "todo"
        steps.append({"kind": "stage", "label": Stage(stage).label, "status": status})
        kind = gate_after.get(stage)
        if kind:
            passed = kind in went or i < at
            gate_status = "done" if passed else "current" if kind in waiting else "todo"
            steps.append(
                {
                    "kind": "gate",
                    "label": GateKind(kind).label,
                    "status": gate_status,
                }
            )
        if closed_off and i == at:
            steps.append(
                {"kind": "end", "label": Stage(opportunity.state).label, "status": "current"}
            )
    return steps

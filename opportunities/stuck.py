"""Where deals are stuck: longer in their stage, or waiting longer at a gate review, than the
stage's norm (`StageNorm`, defaults in `DEFAULT_STAGE_NORMS`). One read of the norms, then plain
SQL conditions on the (state, state_changed_at) index: no query per deal."""

from __future__ import annotations

import datetime as dt

from django.contrib.contenttypes.models import ContentType
from django.db.models import BooleanField, Exists, ExpressionWrapper, OuterRef, Q, QuerySet
from django.utils import timezone

from core.choices import GateState
from core.models import GateReview

from .choices import DEFAULT_STAGE_NORMS
from .models import Opportunity, StageNorm


def stage_norms() -> dict[str, tuple[int, int]]:
    """{stage: (days in stage, days waiting at a gate)} for every open stage, in one query."""
    norms = dict(DEFAULT_STAGE_NORMS)
    for row in StageNorm.objects.all():
        norms[row.stage] = (row.norm_days, row.gate_norm_days)
    return norms


def _gate_stage() -> dict[str, str]:
    """The stage each gate of an opportunity is opened from (ATI from identified...)."""
    from .gates import GATES  # the gate wiring imports the services, which import this app

    return {kind: stage for kind, (stage, _transition) in GATES.items()}


def stuck_q(now: dt.datetime | None = None, norms: dict | None = None) -> Q:
    """Opportunities longer than their stage's norm in it, or with a gate review open longer
    than the norm of the stage it was opened from."""
    now = now or timezone.now()
    norms = norms or stage_norms()
    in_stage = Q(pk__in=[])
    for stage, (days, _gate_days) in norms.items():
        in_stage |= Q(state=stage, state_changed_at__lt=now - dt.timedelta(days=days))
    late_review = Q(pk__in=[])
    for kind, stage in _gate_stage().items():
        gate_days = norms[stage][1]
        late_review |= Q(kind=kind, created_at__lt=now - dt.timedelta(days=gate_days))
    waiting = GateReview.objects.filter(
        late_review,
        subject_type=ContentType.objects.get_for_model(Opportunity),
        subject_id=OuterRef("pk"),
        state=GateState.OPEN,
    )
    return in_stage | (Q(state__in=list(norms)) & Q(Exists(waiting)))


def with_stuck(queryset: QuerySet[Opportunity]) -> QuerySet[Opportunity]:
    """The queryset with `is_stuck` on each row (computed in the same SQL)."""
    return queryset.annotate(is_stuck=ExpressionWrapper(stuck_q(), output_field=BooleanField()))


def mark_stuck(cards: list[Opportunity], open_reviews: list[tuple[int, str, dt.datetime]]) -> None:
    """Set `is_stuck` on cards already read, from their open reviews (subject id, kind, opened
    at) read alongside: no further query."""
    now, norms, gate_stage = timezone.now(), stage_norms(), _gate_stage()
    late = {
        subject_id
        for subject_id, kind, opened in open_reviews
        if kind in gate_stage and opened < now - dt.timedelta(days=norms[gate_stage[kind]][1])
    }
    for card in cards:
        days = norms.get(card.state, (None, None))[0]
        card.is_stuck = days is not None and (
            card.state_changed_at < now - dt.timedelta(days=days) or card.pk in late
        )

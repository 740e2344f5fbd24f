"""Reads of the core's own records, scoped by the access policy (pages and API alike)."""

from __future__ import annotations

from django.db.models import QuerySet

from . import policy
from .models import GateReview


def gate_review_list(*, user) -> QuerySet[GateReview]:
    return policy.restrict(
        GateReview.objects.select_related(
            "subject_type", "authority_unit", "org_unit", "team"
        ).prefetch_related("assessments__author"),
        user,
    )

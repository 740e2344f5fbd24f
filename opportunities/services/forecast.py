"""Writes on the forecast configuration: stage probabilities per org unit, and the norms of
days in each stage past which a deal is stuck."""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import OrgUnit, User
from core import policy
from core.audit import audit_record
from core.errors import Forbidden, ValidationFailed

from ..choices import OPEN_STAGES, Stage
from ..forecast import stage_probability
from ..models import Opportunity, StageNorm, StageProbability


def stage_probability_set(
    *, by: User, stage: str, probability_pct: Decimal, org_unit: OrgUnit | None = None
) -> StageProbability:
    """Set the win probability of `stage` for `org_unit`'s subtree (or the company default),
    and re-weigh the open opportunities in that stage that the setting now governs.
    Administrators only: it moves every forecast below it."""
    if not by.is_admin:
        raise Forbidden(_("Only administrators configure stage probabilities."))
    errors = {}
    if stage not in Stage.values:
        errors["stage"] = [_("Unknown stage.")]
    if probability_pct is None or not (0 <= probability_pct <= 100):
        errors["probability_pct"] = [_("A percentage from 0 to 100.")]
    if errors:
        raise ValidationFailed(_("The stage probability is not valid."), fields=errors)
    with transaction.atomic():
        row, created = StageProbability.objects.update_or_create(
            org_unit=org_unit, stage=stage, defaults={"probability_pct": probability_pct}
        )
        audit_record(
            target=row,
            action="created" if created else "updated",
            actor=by,
            changes={"probability_pct": str(probability_pct)},
        )
        affected = Opportunity.objects.filter(state=stage, state__in=OPEN_STAGES)
        if org_unit is not None:
            affected = affected.filter(org_unit__path__startswith=org_unit.path)
        units = OrgUnit.objects.filter(pk__in=affected.values("org_unit")).distinct()
        for unit in units:
            affected.filter(org_unit=unit).update(probability_pct=stage_probability(unit, stage))
    return row


def stage_norm_set(*, by: User, stage: str, norm_days: int, gate_norm_days: int) -> StageNorm:
    """Set how many days a deal may stay in `stage`, and wait at the gate opened from it,
    before it is stuck. Administrators only; audited."""
    if not policy.may(by, "settings.change"):
        raise Forbidden(_("Only administrators configure stage norms."))
    if stage not in OPEN_STAGES:
        raise ValidationFailed(
            _("The stage norm is not valid."), fields={"stage": [_("Unknown stage.")]}
        )
    with transaction.atomic():
        row, created = StageNorm.objects.update_or_create(
            stage=stage, defaults={"norm_days": norm_days, "gate_norm_days": gate_norm_days}
        )
        audit_record(
            target=row,
            action="created" if created else "updated",
            actor=by,
            changes={"norm_days": norm_days, "gate_norm_days": gate_norm_days},
        )
    return row

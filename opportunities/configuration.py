"""The forecast's sections of the configuration file (issue 20.6): stage norms (by stage) and
stage probabilities (by stage and org unit code; no code: the company default). Each entry is
written through `stage_norm_set` / `stage_probability_set`, validated and audited there."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import OrgUnit
from core.configuration import CHANGED, CREATED, UNCHANGED, Section, register_section
from core.configuration.sections import refuse_unknown, text_key
from core.errors import ValidationFailed

from .models import StageNorm, StageProbability
from .services.forecast import stage_norm_set, stage_probability_set

NORM_FIELDS = ("stage", "norm_days", "gate_norm_days")
PROBABILITY_FIELDS = ("stage", "org_unit", "probability_pct")


def stage_norms_export() -> list[dict]:
    return [
        {name: getattr(row, name) for name in NORM_FIELDS}
        for row in StageNorm.objects.order_by("stage")
    ]


def _days(entry: dict, name: str) -> int:
    value = entry.get(name)
    if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= 32767:
        raise ValidationFailed(
            _("The stage norm is not valid."), fields={name: [_("Between 1 and 32767 days.")]}
        )
    return value


def stage_norm_apply(entry: dict, by) -> str:
    refuse_unknown(entry, NORM_FIELDS)
    days, gate_days = _days(entry, "norm_days"), _days(entry, "gate_norm_days")
    row = StageNorm.objects.filter(stage=entry["stage"]).first()
    if row is not None and (row.norm_days, row.gate_norm_days) == (days, gate_days):
        return UNCHANGED
    stage_norm_set(by=by, stage=entry["stage"], norm_days=days, gate_norm_days=gate_days)
    return CREATED if row is None else CHANGED


def stage_probabilities_export() -> list[dict]:
    rows = StageProbability.objects.select_related("org_unit").order_by("org_unit__path", "stage")
    return [
        {
            "stage": row.stage,
            "org_unit": row.org_unit.code if row.org_unit else None,
            "probability_pct": str(row.probability_pct),
        }
        for row in rows
    ]


def stage_probability_key(entry: dict) -> str:
    unit = entry.get("org_unit")
    if unit is not None and not isinstance(unit, str):
        raise ValidationFailed(
            _("The entry has no key."), fields={"org_unit": [_("An org unit code, or null.")]}
        )
    return f"{text_key(entry, 'stage')}:{unit or '*'}"


def stage_probability_apply(entry: dict, by) -> str:
    refuse_unknown(entry, PROBABILITY_FIELDS)
    unit = None
    if entry.get("org_unit"):
        unit = OrgUnit.objects.filter(code=entry["org_unit"]).first()
        if unit is None:
            raise ValidationFailed(
                _("The stage probability is not valid."),
                fields={"org_unit": [_("No such org unit.")]},
            )
    try:
        pct = Decimal(str(entry.get("probability_pct")))
    except InvalidOperation:
        pct = None
    if pct is None or not pct.is_finite() or not 0 <= pct <= 100:
        raise ValidationFailed(
            _("The stage probability is not valid."),
            fields={"probability_pct": [_("A percentage from 0 to 100.")]},
        )
    pct = pct.quantize(Decimal("0.01"))
    row = StageProbability.objects.filter(org_unit=unit, stage=entry["stage"]).first()
    if row is not None and row.probability_pct == pct:
        return UNCHANGED
    stage_probability_set(by=by, stage=entry["stage"], probability_pct=pct, org_unit=unit)
    return CREATED if row is None else CHANGED


def register() -> None:
    register_section(
        Section(
            name="stage_norms",
            label=gettext_lazy("Stage norms"),
            order=40,
            export=stage_norms_export,
            key=lambda entry: text_key(entry, "stage"),
            apply=stage_norm_apply,
        )
    )
    register_section(
        Section(
            name="stage_probabilities",
            label=gettext_lazy("Stage probabilities"),
            order=50,
            export=stage_probabilities_export,
            key=stage_probability_key,
            apply=stage_probability_apply,
        )
    )

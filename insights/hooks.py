"""What insights offers on earlier stages (ADR 31): the learned win probability beside the
rep's own on the opportunity page, and in the weighted pipeline when the company says so."""

from __future__ import annotations

from django.conf import settings
from django.db.models import F
from django.db.models.functions import Coalesce

from core import hooks, policy
from opportunities.choices import OPEN_STAGES

from .models import WinPrediction
from .winmodel.selectors import prediction_of


def _win_panel(opportunity, user):
    """The prediction of an open deal (or why there is none); nothing on a closed one."""
    if opportunity.state not in OPEN_STAGES:
        return None
    return {
        "prediction": prediction_of(opportunity),
        "may_refresh": policy.can(user, opportunity, "change"),
        "may_see_model": policy.may(user, "insights.win_model"),
    }


def learned_probability():
    """The weighted pipeline's probability when `WIN_MODEL_FOR_PIPELINE` is on: the deal's
    learned one, else (no prediction: too little history, or not predicted yet) its stage's."""
    if not settings.WIN_MODEL_FOR_PIPELINE:
        return None
    return Coalesce(F("win_prediction__probability"), F("probability_pct"))


def _on_stage_changed(opportunity, from_state, to_state, by) -> None:
    """A deal that closed has no win probability to learn any more: its prediction goes (in
    the stage change's transaction), so no page or API shows a figure for a decided deal."""
    if to_state not in OPEN_STAGES:
        WinPrediction.objects.filter(opportunity_id=opportunity.pk).delete()


hooks.register_panel(
    "opportunities.Opportunity",
    hooks.Panel(order=40, template="insights/win_panel.html", context=_win_panel),
)
hooks.register_expression("opportunities.win_probability", learned_probability)
hooks.listen("opportunity.stage_changed", _on_stage_changed)

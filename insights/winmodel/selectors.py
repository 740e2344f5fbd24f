"""Reading the win model (ADR 31): a deal's prediction beside its stage probability, within
the reader's scope, and the model's quality."""

from __future__ import annotations

from django.utils.translation import gettext as _

from core import policy
from core.errors import Forbidden, NotFound
from opportunities.models import Opportunity

from ..models import WinModel, WinPrediction
from .explain import explain


def current_model() -> WinModel | None:
    """The model in force: the newest training (a fallback one means none is)."""
    return WinModel.objects.order_by("-version").defer("estimator", "history").first()


def scoped_deal(user, pk, action: str = "view") -> Opportunity:
    """The opportunity `pk` if `user` may `action` it; a 404 otherwise (its existence is not
    told)."""
    try:
        return policy.restrict(Opportunity.objects.all(), user, action).get(pk=int(pk))
    except (Opportunity.DoesNotExist, TypeError, ValueError):
        raise NotFound(_("No such opportunity.")) from None


def prediction_of(deal: Opportunity) -> dict:
    """The deal's learned probability (None while there is none) and its factors in words,
    beside the stage probability that the rep's own figure is."""
    row = WinPrediction.objects.filter(opportunity=deal).first()
    return {
        "opportunity": deal.pk,
        "stage_probability": deal.probability_pct,
        "probability": row.probability if row else None,
        "model_version": row.model.version if row else None,
        "predicted_at": row.predicted_at if row else None,
        "factors": explain(row.factors) if row else [],
    }


def deal_prediction(*, user, pk) -> dict:
    return prediction_of(scoped_deal(user, pk))


def model_metrics(*, user) -> dict:
    """The model in force and its quality on held-out deals (managers and administrators)."""
    if not policy.may(user, "insights.win_model"):
        raise Forbidden(_("Only managers see the win model's quality."))
    model = current_model()
    if model is None:
        return {"status": "none", "in_force": False, "calibration": []}
    return {
        "status": model.status,
        "in_force": model.status == WinModel.Status.TRAINED,
        "version": model.version,
        "trained_at": model.trained_at,
        "algorithm": model.algorithm,
        "n_closed": model.n_closed,
        "n_won": model.n_won,
        "n_train": model.n_train,
        "n_test": model.n_test,
        "auc": model.auc,
        "brier": model.brier,
        "seconds": model.seconds,
        "calibration": model.calibration,
        "predictions": WinPrediction.objects.filter(model=model).count(),
    }

"""The win model (issue 23.3, ADR 31): win probability learned from the company's own closed
deals, each prediction explained. Training and prediction (scikit-learn) live in `training`,
imported only where a model is fitted or used."""

from .explain import explain
from .features import FEATURES
from .selectors import current_model, deal_prediction, model_metrics, prediction_of

__all__ = [
    "FEATURES",
    "current_model",
    "deal_prediction",
    "explain",
    "model_metrics",
    "prediction_of",
]

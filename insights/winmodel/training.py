"""Training the win model and predicting open deals with it (ADR 31).

A scikit-learn pipeline (standardise, then logistic regression) learned from this database's
closed deals only; quality measured on a stratified fifth held out (AUC, Brier score, ten
calibration bins), then refitted on every closed deal. Too little history (fewer than
`WIN_MODEL_MIN_CLOSED` closed deals, or too few of either outcome) records a fallback row and
clears the predictions, so the stage probabilities stay in force.
"""

from __future__ import annotations

import io
import time
from decimal import Decimal

import joblib
import numpy as np
from django.conf import settings
from django.db import transaction
from django.db.models import Count, Max
from django.utils import timezone
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import brier_score_loss, roc_auc_score
from sklearn.model_selection import train_test_split
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from core import locks
from opportunities.models import Opportunity

from ..models import WinModel, WinPrediction
from . import features
from .selectors import current_model

ALGORITHM = "logistic regression (scikit-learn), standardised features"
TOP_FACTORS = 3
#: Factors moving the log-odds by less than this are not worth a sentence.
MIN_EFFECT = 0.05
BATCH = 5_000
MIN_PER_OUTCOME = 10
_loaded: dict[int, tuple[Pipeline, dict]] = {}


def _standardiser(X: np.ndarray) -> StandardScaler:
    """A StandardScaler fitted to `X` by sums taken a block of rows at a time in float64
    (its own `fit` upcasts the whole matrix to a float64 copy first: 41 MB at full size)."""
    n, block = len(X), 20_000
    total = np.zeros(X.shape[1])
    for start in range(0, n, block):
        total += X[start : start + block].sum(axis=0, dtype=np.float64)
    mean = total / max(n, 1)
    squares = np.zeros(X.shape[1])
    for start in range(0, n, block):
        squares += ((X[start : start + block] - mean) ** 2).sum(axis=0)
    var = squares / max(n, 1)
    scaler = StandardScaler()
    scaler.mean_, scaler.var_, scaler.n_samples_seen_ = mean, var, n
    scaler.scale_ = np.where(var > 0, np.sqrt(var), 1.0)
    scaler.n_features_in_ = X.shape[1]
    return scaler


def _fit(X: np.ndarray, y: np.ndarray) -> Pipeline:
    """Standardise, then logistic regression, fitted on `X` itself: it is standardised in
    place (ADR 31: a training holds no copy of its matrix), so the caller must not read it
    again. The pipeline stored is the usual one (its scaler copies what it is given)."""
    scaler = _standardiser(X)
    scaler.transform(X, copy=False)
    model = LogisticRegression(C=1.0, max_iter=1000).fit(X, y)
    return Pipeline([("scale", scaler), ("model", model)])


def calibration_bins(y: np.ndarray, p: np.ndarray, bins: int = 10) -> list[dict]:
    """Predicted vs observed win rate in ten equal-width probability bins (empty ones left out)."""
    edges = np.linspace(0.0, 1.0, bins + 1)
    where = np.clip(np.digitize(p, edges[1:-1]), 0, bins - 1)
    found = []
    for b in range(bins):
        mask = where == b
        if mask.any():
            found.append(
                {
                    "low": round(float(edges[b]), 2),
                    "high": round(float(edges[b + 1]), 2),
                    "deals": int(mask.sum()),
                    "predicted": round(float(p[mask].mean()), 4),
                    "observed": round(float(y[mask].mean()), 4),
                }
            )
    return found


def _save(**fields) -> WinModel:
    with transaction.atomic():
        locks.hold("insights.win_model", "train")
        last = WinModel.objects.aggregate(v=Max("version"))["v"] or 0
        return WinModel.objects.create(version=last + 1, trained_at=timezone.now(), **fields)


def _closed_deals_fingerprint() -> list:
    """What a model is learned from: how many closed deals, the newest change among them, and
    the history it needs (a nightly run with nothing new closed keeps the model in force)."""
    found = features.closed_deals().aggregate(n=Count("pk"), last=Max("updated_at"), top=Max("pk"))
    last = found["last"].isoformat() if found["last"] else None
    return [found["n"], found["top"], last, settings.WIN_MODEL_MIN_CLOSED]


def train() -> WinModel:
    """Learn the win model from every closed deal, measure it on held-out deals, store it;
    or record that there is too little history (a fallback row)."""
    started = time.perf_counter()
    fingerprint = _closed_deals_fingerprint()
    latest = WinModel.objects.order_by("-version").only("history").first()
    if latest is not None and latest.history.get("fingerprint") == fingerprint:
        return latest  # nothing closed or changed since: the same deals teach the same model
    past = features.history()
    matrix = features.build(features.closed_deals(), past=past)
    X, y = matrix.X, matrix.won.astype(np.int8)
    del matrix
    n, n_won = len(y), int(y.sum())
    past = {**past, "fingerprint": fingerprint}
    counts = dict(n_closed=n, n_won=n_won, feature_names=features.NAMES, history=past)
    minimum = settings.WIN_MODEL_MIN_CLOSED
    if n < minimum or min(n_won, n - n_won) < MIN_PER_OUTCOME:
        return _save(status=WinModel.Status.FALLBACK, **counts)
    # The split by row numbers: only the fifth held out is copied, once (the scaler then
    # works on that copy in place).
    train_at, test_at = train_test_split(np.arange(n), test_size=0.2, random_state=0, stratify=y)
    held_out = _fit(X[train_at], y[train_at])  # a copy of the rows, standardised in place
    p = held_out.predict_proba(X[test_at])[:, 1]
    y_test = y[test_at]
    auc = float(roc_auc_score(y_test, p))
    brier = float(brier_score_loss(y_test, p))
    bins = calibration_bins(y_test.astype(np.float64), p)
    del held_out
    fitted = _fit(X, y)  # standardises X itself: it is not read again
    del X
    buffer = io.BytesIO()
    joblib.dump(fitted, buffer)
    return _save(
        status=WinModel.Status.TRAINED,
        algorithm=ALGORITHM,
        n_train=len(train_at),
        n_test=len(test_at),
        auc=auc,
        brier=brier,
        calibration=bins,
        estimator=buffer.getvalue(),
        seconds=round(time.perf_counter() - started, 2),
        **counts,
    )


def _loaded_model(model: WinModel) -> tuple[Pipeline, dict]:
    """The fitted pipeline and the history it was trained with, read once per version."""
    if model.version not in _loaded:
        raw, past = WinModel.objects.values_list("estimator", "history").get(pk=model.pk)
        _loaded.clear()
        _loaded[model.version] = (joblib.load(io.BytesIO(bytes(raw))), past)
    return _loaded[model.version]


def _predict(model: WinModel, matrix: features.Matrix) -> tuple[np.ndarray, list[list[dict]]]:
    """Win probabilities of the matrix's deals, and each one's strongest factors: coefficient
    × standardised value (the feature's push on the log-odds against an average deal)."""
    pipeline = _loaded_model(model)[0]
    scaler, regression = pipeline.named_steps["scale"], pipeline.named_steps["model"]
    # The pipeline's own arithmetic (standardise, then the logistic function), done in numpy:
    # the same figures as predict_proba, without its per-call input checks.
    effects = (matrix.X - scaler.mean_) / scaler.scale_ * regression.coef_[0]
    p = 1.0 / (1.0 + np.exp(-(effects.sum(axis=1) + regression.intercept_[0])))
    order = np.argsort(-np.abs(effects), axis=1)[:, :TOP_FACTORS]
    factors = []
    for i, columns in enumerate(order):
        factors.append(
            [
                {
                    "feature": features.NAMES[j],
                    "value": round(float(matrix.X[i, j]), 3),
                    "effect": round(float(effects[i, j]), 3),
                }
                for j in columns
                if abs(effects[i, j]) >= MIN_EFFECT
            ]
        )
    return p, factors


def _rows(model: WinModel, matrix: features.Matrix, now) -> list[WinPrediction]:
    p, factors = _predict(model, matrix)
    percent = np.round(p * 100, 2)
    return [
        WinPrediction(
            opportunity_id=int(pk),
            model=model,
            probability=Decimal(f"{percent[i]:.2f}"),
            factors=factors[i],
            predicted_at=now,
        )
        for i, pk in enumerate(matrix.ids)
    ]


def refresh_open(model: WinModel | None = None) -> int:
    """Predict every open deal with the model in force, replacing all predictions at once (in
    one transaction: the weighted pipeline never sees half); with no trained model, clear
    them, so the stage probabilities are in force again. Returns the deals predicted."""
    model = model or current_model()
    if model is None or model.status != WinModel.Status.TRAINED:
        WinPrediction.objects.all().delete()
        return 0
    matrix = features.build(features.open_deals(), past=_loaded_model(model)[1])
    now = timezone.now()
    with transaction.atomic():
        locks.hold("insights.win_model", "predictions")
        WinPrediction.objects.all().delete()
        for start in range(0, len(matrix.ids), BATCH):  # a batch of rows in memory at a time
            part = slice(start, start + BATCH)
            chunk = features.Matrix(matrix.ids[part], matrix.X[part], matrix.won[part])
            WinPrediction.objects.bulk_create(_rows(model, chunk, now))
    return len(matrix.ids)


def predict_one(opportunity: Opportunity) -> WinPrediction | None:
    """Predict one deal now (on demand) and store it; None when no model is in force or the
    deal is closed (a closed deal's prediction is dropped)."""
    model = current_model()
    if model is None or model.status != WinModel.Status.TRAINED:
        return None
    matrix = features.build_one(opportunity.pk, past=_loaded_model(model)[1])
    if not len(matrix.ids):
        WinPrediction.objects.filter(opportunity_id=opportunity.pk).delete()
        return None
    rows = _rows(model, matrix, timezone.now())
    WinPrediction.objects.bulk_create(  # one INSERT … ON CONFLICT UPDATE
        rows,
        update_conflicts=True,
        unique_fields=["opportunity"],
        update_fields=["model", "probability", "factors", "predicted_at"],
    )
    return rows[0]

"""Writing the win model (ADR 31): train and predict every open deal; one deal on demand."""

from __future__ import annotations

from .selectors import prediction_of, scoped_deal


def win_model_train() -> dict:
    """Learn the win model from the closed deals, then predict every open deal with it (or
    clear the predictions when there is too little history)."""
    from .training import refresh_open, train  # scikit-learn, loaded where it is used

    model = train()
    predicted = refresh_open(model)
    return {"version": model.version, "status": model.status, "predicted": predicted}


def win_prediction_refresh(*, user, pk) -> dict:
    """Predict one deal again now, for someone who may change it; its prediction as shown."""
    from .training import predict_one

    deal = scoped_deal(user, pk, "change")
    predict_one(deal)
    return prediction_of(deal)

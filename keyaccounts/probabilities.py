"""Stage probabilities for the weighted pipeline, kept apart on purpose.

The opportunities stage is gaining configurable probabilities per stage (its issue 4, "Forecast").
Until it offers them, this app weighs each open stage with the defaults below. When it does,
only `stage_probabilities` changes: it already prefers an `opportunities.selectors` function
named `stage_probabilities()` returning {stage: percent} when one exists.
"""

from __future__ import annotations

from decimal import Decimal

from django.db.models import Case, DecimalField, ExpressionWrapper, F, Value, When

from opportunities.choices import OPEN_STAGES, Stage

#: Percent chance that an opportunity in this stage is won (defaults until MO configures them).
DEFAULT_PROBABILITIES: dict[str, int] = {
    Stage.IDENTIFIED: 10,
    Stage.INITIATED: 20,
    Stage.GUIDING: 40,
    Stage.BIDDING: 50,
    Stage.BID_SUBMITTED: 60,
    Stage.NEGOTIATING: 80,
    Stage.WON: 100,
    Stage.LOST: 0,
    Stage.ABANDONED: 0,
}


def stage_probabilities() -> dict[str, int]:
    """{stage: percent}: the opportunities stage's own figures if it has them, else defaults."""
    from opportunities import selectors

    provider = getattr(selectors, "stage_probabilities", None)
    if callable(provider):
        try:
            found = {str(k): int(v) for k, v in dict(provider()).items()}
        except (TypeError, ValueError):
            found = {}
        if found:
            return {**DEFAULT_PROBABILITIES, **found}
    return dict(DEFAULT_PROBABILITIES)


def weighted_amount() -> ExpressionWrapper:
    """SQL: the opportunity's amount × its stage probability / 100."""
    money = DecimalField(max_digits=18, decimal_places=2)
    probabilities = stage_probabilities()
    factor = Case(
        *[
            When(state=stage, then=Value(Decimal(probabilities.get(stage, 0)) / 100))
            for stage in OPEN_STAGES
        ],
        default=Value(Decimal("0")),
        output_field=DecimalField(max_digits=6, decimal_places=4),
    )
    return ExpressionWrapper(F("amount") * factor, output_field=money)

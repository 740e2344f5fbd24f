"""A prediction's factors in words, in the reader's language (ADR 31): stored as feature
names and numbers, put into sentences when shown."""

from __future__ import annotations

from django.utils.formats import number_format
from django.utils.translation import gettext

from opportunities.choices import OPEN_STAGES, Stage

from .features import FEATURES

#: Features that are yes/no: shown as such, not as a number.
FLAGS = {
    "ati_passed",
    "atb_passed",
    "chain_decision_maker",
    "competitor_incumbent",
    "special_price",
    "tier_strategic",
    "tier_key",
    "with_partner",
}
RATES = {"rep_win_rate", "team_win_rate"}


def _value(name: str, value: float) -> str:
    if name in FLAGS:
        return gettext("yes") if value >= 0.5 else gettext("no")
    if name in RATES:
        return f"{number_format(value * 100, 0)}%"
    if name == "log_amount":
        return number_format(2.718281828**value - 1, 0, force_grouping=True)
    if name == "stage_reached":
        return str(Stage(OPEN_STAGES[min(int(value), len(OPEN_STAGES) - 1)]).label)
    return number_format(value, 0 if float(value).is_integer() else 1)


def explain(factors: list[dict]) -> list[dict]:
    """[{"label", "value", "raises", "sentence"}] for a prediction's stored factors."""
    found = []
    for factor in factors:
        name = factor["feature"]
        if name not in FEATURES:
            continue
        label, value = str(FEATURES[name]), _value(name, factor["value"])
        raises = factor["effect"] > 0
        if raises:
            sentence = gettext("%(factor)s (%(value)s) raises the chance of winning") % {
                "factor": label,
                "value": value,
            }
        else:
            sentence = gettext("%(factor)s (%(value)s) lowers the chance of winning") % {
                "factor": label,
                "value": value,
            }
        found.append({"label": label, "value": value, "raises": raises, "sentence": sentence})
    return found

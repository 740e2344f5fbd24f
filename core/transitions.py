"""What a model's state machine declares: its transitions and their labels.

Read by the audit trail (a timeline names a transition by its label) and by `core.fsm`, which
runs transitions and writes the audit trail; kept apart so that neither imports the other.
"""

from __future__ import annotations

from typing import Any

from django.db import models


def transitions_of(model: type[models.Model]) -> dict[str, Any]:
    """Every transition method of the model's `state` machine, by name."""
    if not hasattr(model, "_meta"):
        return {}
    return model._meta.get_field("state").transitions.get(model, {})


def label_of(model: type[models.Model], name: str) -> str:
    """The transition's label in the current language ("Sign", not "sign")."""
    method = transitions_of(model).get(name)
    if method is None:
        return name
    for meta in method._django_fsm.transitions.values():
        if meta.custom.get("label"):
            return str(meta.custom["label"])
    return name.replace("_", " ")

"""Named permissions of insights (see `core.policy.may`)."""

from __future__ import annotations

from core.choices import Role
from core.policy import is_admin, rule


@rule("insights.win_model")
def see_win_model(user, obj=None) -> bool:
    """The win model's quality (AUC, calibration): sales managers and administrators."""
    return is_admin(user) or user.role == Role.SALES_MANAGER

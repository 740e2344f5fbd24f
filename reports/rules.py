"""Named permissions of the report builder (see `core.policy.may`)."""

from __future__ import annotations

from core.policy import rule


@rule("reports.build")
def build(user, report=None) -> bool:
    """Building, saving, sharing and scheduling reports: everyone signed in (every figure
    counts only the records the reader may see, so a report reveals nothing its rows hide)."""
    return True

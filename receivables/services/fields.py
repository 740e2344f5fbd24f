"""A payment milestone's custom fields (issue 20.2): the one part of a milestone edited on its
own. Its amount, dates and trigger change only through the payment plan (a replan); its
custom values are the company's own notes (a PO number, a collection channel) and change here,
checked by their definitions and audited like any other edit."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from accounts.models import User
from core import policy
from core.errors import Forbidden
from core.records import record_update

from ..models import PaymentMilestone


def milestone_fields_update(
    *,
    milestone: PaymentMilestone,
    by: User,
    custom: dict[str, Any],
    expected_version: int | None = None,
) -> PaymentMilestone:
    if not policy.can(by, milestone, "change"):
        raise Forbidden(_("You may not change this milestone."))
    return record_update(
        milestone, by=by, data={"custom": custom}, expected_version=expected_version
    )

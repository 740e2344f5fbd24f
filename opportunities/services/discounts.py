"""Discount targets (折扣目标, issue 21.4): the company's target for the average discount off
list of each product line in a year, set by administrators and read by the price post-mortem."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import User
from core import policy
from core.audit import audit_record
from core.errors import Forbidden, ValidationFailed

from ..models import DiscountTarget


def discount_target_set(*, by: User, product_line: str, year, max_discount_pct) -> DiscountTarget:
    """Set (create or replace) the discount target of a product line for a year: a percentage
    from 0 to 100. Administrators only; audited with the value before and after."""
    if not policy.may(by, "settings.change"):
        raise Forbidden(_("Only administrators set discount targets."))
    errors: dict[str, list[str]] = {}
    line = " ".join(str(product_line or "").split())[:100]
    if not line:
        errors["product_line"] = [_("Name the product line.")]
    try:
        year = int(year)
        if not 2000 <= year <= 2999:
            raise ValueError
    except (TypeError, ValueError):
        errors["year"] = [_("A year from 2000 to 2999.")]
    try:
        pct = Decimal(str(max_discount_pct))
        if not pct.is_finite() or not Decimal(0) <= pct <= Decimal(100):
            raise InvalidOperation
        pct = pct.quantize(Decimal("0.01"))
    except (InvalidOperation, TypeError, ValueError):
        errors["max_discount_pct"] = [_("A percentage from 0 to 100.")]
    if errors:
        raise ValidationFailed(_("The discount target is not valid."), fields=errors)
    with transaction.atomic():
        row = DiscountTarget.objects.select_for_update().filter(product_line=line, year=year)
        existing = row.first()
        before = str(existing.max_discount_pct) if existing else None
        target, created = DiscountTarget.objects.update_or_create(
            product_line=line, year=year, defaults={"max_discount_pct": pct}
        )
        audit_record(
            target=target,
            action="created" if created else "updated",
            actor=by,
            changes={"max_discount_pct": {"before": before, "after": str(pct)}},
        )
    return target

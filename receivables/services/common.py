"""What the collections services share: who may move money, row locks in one order, and
keeping a milestone's derived figures (invoice settlement, state) in step."""

from __future__ import annotations

from decimal import Decimal

from django.db import models
from django.db.models import F, Value
from django.db.models.functions import Round
from django.utils.translation import gettext as _

from accounts.models import User
from core import policy
from core.errors import Forbidden
from core.fsm import transition_run

from ..choices import InvoiceState
from ..models import Invoice, PaymentMilestone

ZERO = Decimal("0")
MONEY = models.DecimalField(max_digits=18, decimal_places=2)


def plus(field: str, amount: Decimal):
    """`F(field) + amount` for an UPDATE on a locked row, rounded to cents in SQL: SQLite (the
    embedded demo database) adds decimals in floating point, which would drift a stored
    amount off its cents; PostgreSQL's numeric is exact and unaffected."""
    return Round(F(field) + Value(amount, output_field=MONEY), 2, output_field=MONEY)


def minus(field: str, amount: Decimal):
    return plus(field, -amount)


def require_finance(by: User, record: models.Model, message: str | None = None) -> None:
    """Money is moved by finance (or an administrator) with change access to the record."""
    if not policy.may(by, "receivables.handle_money", record) or not policy.can(
        by, record, "change"
    ):
        raise Forbidden(message or _("Only finance may do this."))


def lock_milestones(ids) -> dict[int, PaymentMilestone]:
    """Lock milestones in id order (every service locks receipt → milestones → invoices, in
    that order, so two services never deadlock)."""
    rows = PaymentMilestone.objects.select_for_update().filter(pk__in=set(ids)).order_by("pk")
    return {m.pk: m for m in rows.select_related("contract")}


def settle_invoices(milestone: PaymentMilestone) -> None:
    """Spread the milestone's paid amount over its issued invoices, oldest first (先开先收);
    cancelled invoices hold nothing. Call with the milestone locked."""
    left = milestone.paid_amount
    for invoice in (
        Invoice.objects.select_for_update().filter(milestone=milestone).order_by("issued_on", "pk")
    ):
        covered = ZERO
        if invoice.state == InvoiceState.ISSUED:
            covered = min(left, invoice.amount)
            left -= covered
        if covered != invoice.paid_amount:
            Invoice.objects.filter(pk=invoice.pk).update(paid_amount=covered)


def restate(milestone: PaymentMilestone, transition: str, *, by: User | None, comment: str = ""):
    """Run one of the milestone's money transitions (its target state follows from its
    amounts), after re-reading the amounts the service changed with F()."""
    milestone.refresh_from_db(
        fields=["amount", "invoiced_amount", "paid_amount", "written_off_amount", "version"]
    )
    return transition_run(
        milestone,
        transition,
        by=by,
        internal=True,
        check_policy=False,
        comment=comment,
        update_fields=["settled_at"],
    )

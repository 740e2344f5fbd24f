"""Writes on agreement prices (协议价): create a draft, submit it through the
`agreement_price` approval chain, and the chain's end. No two approved prices of the same
customer (or partner) and product overlap in time: checked under a lock on the product row
(so SQLite answers the same 400 as PostgreSQL), held on PostgreSQL by an exclusion constraint
too (a race that slips past reads as the same 400)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _

from accounts.models import Customer, User
from core import hooks, policy
from core.approvals.choices import ApprovalKind, ApprovalState
from core.approvals.engine import request_start
from core.audit import audit_record
from core.errors import Conflict, Forbidden, ValidationFailed
from core.fsm import transition_run
from core.messages import message
from core.money import quantize
from core.notifications import notify
from partners.models import Partner

from ..choices import AgreementPriceState as S
from ..models import AgreementPrice, Product


def _date(value, field: str, errors: dict) -> dt.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, dt.date):
        return value
    try:
        parsed = parse_date(str(value))
    except ValueError:
        parsed = None
    if parsed is None:
        errors[field] = [_("Enter a valid date.")]
    return parsed


def _visible(model, pk, by: User):
    if isinstance(pk, model):
        pk = pk.pk
    try:
        return policy.restrict(model.objects.all(), by).filter(pk=int(pk)).first()
    except (TypeError, ValueError):
        return None


def overlapping(price: AgreementPrice):
    """The approved prices of the same customer (partner) and product whose period overlaps
    `price`'s (both ends inclusive, an empty end open)."""
    party = {"partner_id": price.partner_id} if price.partner_id else {}
    party = party or {"customer_id": price.customer_id}
    found = AgreementPrice.objects.filter(
        **party, product_id=price.product_id, state=S.APPROVED
    ).exclude(pk=price.pk)
    if price.valid_to is not None:
        found = found.filter(valid_from__lte=price.valid_to)
    return found.filter(Q(valid_to__isnull=True) | Q(valid_to__gte=price.valid_from))


def overlap_error(price: AgreementPrice, other: AgreementPrice) -> ValidationFailed:
    text = _(
        "It overlaps the approved agreement price #%(id)s (%(price)s %(currency)s, "
        "%(start)s – %(end)s) for the same product."
    ) % {
        "id": other.pk,
        "price": other.price,
        "currency": other.currency,
        "start": other.valid_from,
        "end": other.valid_to or "…",
    }
    return ValidationFailed(
        text, code="agreement_price_overlap", fields={"valid_from": [text], "valid_to": [text]}
    )


def _check_no_overlap(price: AgreementPrice) -> None:
    other = overlapping(price).order_by("valid_from").first()
    if other is not None:
        raise overlap_error(price, other)


def agreement_price_create(*, by: User, data: dict[str, Any]) -> AgreementPrice:
    """A draft agreement price for a customer XOR a partner the user may change, a product,
    a price in the product's currency and a period. Refused at once (400) when it overlaps an
    approved price of the same customer (partner) and product."""
    errors: dict[str, list[str]] = {}
    customer_id, partner_id = data.get("customer"), data.get("partner")
    customer = partner = None
    if bool(customer_id) == bool(partner_id):
        errors["customer"] = [_("Choose a customer or a partner (one of them).")]
    elif customer_id:
        customer = _visible(Customer, customer_id, by)
        if customer is None:
            errors["customer"] = [_("No such record.")]
    else:
        partner = _visible(Partner, partner_id, by)
        if partner is None:
            errors["partner"] = [_("No such record.")]
    product = data.get("product")
    if not isinstance(product, Product):
        try:
            product = Product.objects.filter(pk=int(product)).first() if product else None
        except (TypeError, ValueError):
            product = None
    if product is None:
        errors["product"] = [_("Choose a product.")]
    try:
        price = Decimal(str(data.get("price")))
        if not price.is_finite() or price < 0 or price >= Decimal("1e15"):
            raise InvalidOperation
    except (InvalidOperation, TypeError, ValueError):
        errors["price"] = [_("Enter a price of zero or more.")]
        price = None
    currency = data.get("currency") or (product.currency if product else "")
    if product is not None and currency != product.currency:
        errors["currency"] = [
            _("The product is priced in %(currency)s.") % {"currency": product.currency}
        ]
    valid_from = _date(data.get("valid_from"), "valid_from", errors)
    valid_to = _date(data.get("valid_to"), "valid_to", errors)
    if valid_from is None and "valid_from" not in errors:
        errors["valid_from"] = [_("Required.")]
    if valid_from and valid_to and valid_to < valid_from:
        errors["valid_to"] = [_("The end is before the start.")]
    if errors:
        raise ValidationFailed(_("The agreement price is not valid."), fields=errors)
    party = customer or partner
    if not policy.can(by, party, "change"):
        raise Forbidden(_("You may not change this record."))
    record = AgreementPrice(
        customer=customer,
        partner=partner,
        product=product,
        price=quantize(price),
        currency=currency,
        valid_from=valid_from,
        valid_to=valid_to,
        org_unit_id=party.org_unit_id,
        created_by=by,
    )
    _check_no_overlap(record)
    with transaction.atomic():
        record.save()
        audit_record(
            target=record,
            action="created",
            actor=by,
            changes={
                "party": str(party),
                "product": product.code,
                "price": str(record.price),
                "currency": currency,
                "valid_from": str(valid_from),
                "valid_to": str(valid_to or ""),
            },
        )
    return record


def agreement_price_submit(*, price: AgreementPrice, by: User) -> AgreementPrice:
    """Ask for approval through the `agreement_price` chain (by default the nearest sales
    manager over the customer's or partner's unit)."""
    if not policy.can(by, price, "change"):
        raise Forbidden(_("You may not change this record."))
    with transaction.atomic():
        locked = AgreementPrice.objects.select_for_update().get(pk=price.pk)
        if locked.state != S.DRAFT:
            raise Conflict(
                _("Only a draft is submitted (it is “%(state)s”).")
                % {"state": locked.get_state_display()},
                code="agreement_price_state",
            )
        _check_no_overlap(locked)
        transition_run(locked, "submit", by=by, internal=True)
        request_start(
            kind=ApprovalKind.AGREEMENT_PRICE,
            subject=locked,
            requester=by,
            org_unit=locked.org_unit,
            facts={"amount": str(locked.price), "currency": locked.currency},
            title=str(locked),
        )
    return AgreementPrice.objects.get(pk=price.pk)


def agreement_price_ended(request, price: AgreementPrice, by, comment) -> None:
    """The chain ended (in the decision's transaction). Approved: checked once more under the
    product's row lock, so of two overlapping prices approved at once one wins and the other's
    decision fails with the overlap (400) and nothing of it is written."""
    Product.objects.select_for_update().only("pk").get(pk=price.product_id)
    locked = AgreementPrice.objects.select_for_update().get(pk=price.pk)
    if locked.state != S.PENDING:
        return
    locked.decided_at = timezone.now()
    if request.state == ApprovalState.APPROVED:
        _check_no_overlap(locked)
        try:
            with transaction.atomic():
                transition_run(
                    locked,
                    "approve",
                    by=by,
                    comment=comment,
                    internal=True,
                    check_policy=False,
                    update_fields=["decided_at"],
                )
        except IntegrityError as exc:  # the exclusion constraint (PostgreSQL)
            other = overlapping(locked).first()
            if other is None:
                raise
            raise overlap_error(locked, other) from exc
        hooks.emit("agreement_price.decided", price=locked, decision="approved", by=by)
        return
    name = "reject" if request.state == ApprovalState.REJECTED else "send_back"
    transition_run(
        locked,
        name,
        by=by,
        comment=comment,
        internal=True,
        check_policy=False,
        update_fields=["decided_at"],
    )
    decision = "rejected" if name == "reject" else "returned"
    hooks.emit("agreement_price.decided", price=locked, decision=decision, by=by)


def agreement_price_waiting(request, price: AgreementPrice, users) -> None:
    notify(
        recipients=users,
        kind="approval.waiting",
        target=request,
        url=price.get_absolute_url(),
        email=True,
        message=message("agreement_price.waiting", price=str(price)),
    )

"""Bulk upsert of customers and contacts by external id (integrations, ADR 9)."""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, models, transaction
from django.utils.translation import gettext as _

from core import locks, policy
from core.errors import ApplicationError, Forbidden, ValidationFailed
from core.records import record_update

from ..models import (
    Contact,
    Customer,
    User,
)
from .customers import (
    CONTACT_UPSERT,
    _customer_insert,
    contact_create,
    customer_update,
    customers_intake_lock,
)

# --- Bulk upsert by external id (integrations) --------------------------------------------------

#: The most items one bulk upsert may carry.
BULK_UPSERT_MAX = 1000


def _upsert_by_external_id(
    model: type[models.Model],
    *,
    by: User,
    items: list[dict[str, Any]],
    existing: models.QuerySet,
    validate,
    create,
    update,
    authorise=None,
    lock=None,
) -> list[dict[str, Any]]:
    """Create or update each item by its `external_id`; one result per item, in order.

    Existing rows are fetched in one query, and what the caller may view and change in two
    more, so a thousand items cost no per-item lookups. Each item is written in its own
    savepoint: an item that fails leaves nothing behind and the others still apply. A row
    the caller may not view answers exactly like an id the caller may not use, so nothing
    discloses that it exists. `lock()`, if given, is taken first in the transaction, before
    the look-ups (so a concurrent call's rows are seen).
    """

    def key_of(item) -> str | None:
        value = item.get("external_id") if isinstance(item, dict) else None
        return value.strip() if isinstance(value, str) and value.strip() else None

    ids = [key for key in map(key_of, items) if key]
    results: list[dict[str, Any]] = []
    seen: set[str] = set()
    with transaction.atomic():
        if lock is not None:
            lock()
        found = {row.external_id: row for row in existing.filter(external_id__in=ids)}
        pks = [row.pk for row in found.values()]
        may_view = set(
            policy.restrict(existing.filter(pk__in=pks), by, "view").values_list("pk", flat=True)
        )
        may_change = set(
            policy.restrict(existing.filter(pk__in=pks), by, "change").values_list("pk", flat=True)
        )
        for index, item in enumerate(items):
            external_id = key_of(item)
            result: dict[str, Any] = {"index": index, "external_id": external_id, "id": None}
            results.append(result)
            instance = found.get(external_id)
            try:
                if external_id is None:
                    raise ValidationFailed(
                        _("Give the external id."), fields={"external_id": [_("Required.")]}
                    )
                if external_id in seen:
                    raise ValidationFailed(
                        _("This external id came earlier in the same request."),
                        code="duplicate_item",
                        fields={"external_id": [_("Repeated in this request.")]},
                    )
                seen.add(external_id)
                if instance is not None and instance.pk not in may_view:
                    raise ValidationFailed(
                        _("This external id cannot be used."),
                        code="external_id_unavailable",
                        fields={"external_id": [_("Not available to you.")]},
                    )
                if instance is not None and instance.pk not in may_change:
                    raise Forbidden(_("You may not change this record."))
                with transaction.atomic():
                    data = validate({**item, "external_id": external_id}, instance)
                    if authorise is not None:
                        authorise(data, instance)
                    if instance is None:
                        saved = create(data)
                        result["status"] = "created"
                    else:
                        version = instance.version
                        saved = update(instance, data)
                        result["status"] = "updated" if saved.version != version else "unchanged"
                result["id"] = saved.pk
            except ApplicationError as exc:
                result.update(status="error", error=exc.as_dict())
            except IntegrityError:
                result.update(
                    status="error",
                    error={
                        "code": "conflict",
                        "message": _("This clashes with existing data (a duplicate?)."),
                        "fields": {},
                    },
                )
    return results


def customers_upsert(
    *, by: User, items: list[dict[str, Any]], validate, allow_duplicate: bool = False
) -> list[dict[str, Any]]:
    """Create or update customers by their `external_id` (an ERP's key), each on its own:
    the same checks, audit and access rules as one at a time (`customer_create`,
    `customer_update`). `validate(item, customer_or_None)` turns a raw item into field values
    or raises `ValidationFailed`. Returns one result per item (see `_upsert_by_external_id`).
    The call creates customers alone (`customers_intake_lock`): one lock for the batch, not
    one per item."""
    return _upsert_by_external_id(
        Customer,
        by=by,
        items=items,
        existing=Customer.all_objects.all(),
        validate=validate,
        create=lambda data: _customer_insert(by=by, data=data, allow_duplicate=allow_duplicate),
        update=lambda customer, data: customer_update(customer=customer, by=by, data=data),
        lock=customers_intake_lock,
    )


def contacts_upsert(*, by: User, items: list[dict[str, Any]], validate) -> list[dict[str, Any]]:
    """Create or update contacts by their `external_id`, each on its own. A contact is
    written only at a customer the caller may change; an unknown or unseen customer is the
    same "no such customer". Concurrent calls take turns, so a contact sent by two at once
    is created by one and found by the other."""

    def authorise(data, contact):
        customer = data.get("customer")
        if contact is None and customer is None:
            raise ValidationFailed(_("Choose the customer."), fields={"customer": [_("Required.")]})
        if customer is not None and not policy.can(by, customer, "change"):
            raise ValidationFailed(
                _("No such customer."), fields={"customer": [_("No such customer.")]}
            )

    return _upsert_by_external_id(
        Contact,
        by=by,
        items=items,
        existing=Contact.objects.all(),
        validate=validate,
        authorise=authorise,
        create=lambda data: contact_create(by=by, data=data),
        update=lambda contact, data: record_update(contact, by=by, data=data),
        lock=lambda: locks.hold(CONTACT_UPSERT, locks.WHOLE),
    )

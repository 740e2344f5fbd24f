"""Customers: intake (the duplicate check under locks), create, update, merge; contacts and
aliases."""

from __future__ import annotations

from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from core import hooks, locks, policy
from core.audit import audit_record, snapshot
from core.errors import Conflict, Forbidden, ValidationFailed
from core.messages import message
from core.records import insert_once, record_create, record_update

from ..choices import CustomerVetting
from ..contact_dedupe import contact_intake_lock, contact_refuse_duplicate
from ..merging import lock_pair, merge_recorded
from ..models import (
    Activity,
    Contact,
    Customer,
    CustomerAlias,
    User,
)
from ..normalise import normalise_company_name
from ..selectors import customer_duplicates
from .vetting import customer_vetting_start, vetting_required

#: Lock scopes of the customer duplicate check (core.locks, ADR 12). Each create holds the
#: intake lock shared and its own normalised name and credit code; a bulk writer (import
#: commit, bulk upsert) holds the intake lock alone instead of a lock per row.
CUSTOMER_INTAKE = "accounts.customer.intake"
CUSTOMER_IDENTITY = "accounts.customer.identity"
#: Lock scope of contact bulk upserts (core.locks).
CONTACT_UPSERT = "accounts.contact.upsert"


def customer_intake_lock(*, name: str = "", credit_code: str = "") -> None:
    """Until the transaction ends, take turns with every concurrent create of a customer with
    this normalised name or credit code, so the later one's duplicate check sees the earlier
    one. A similar name is a warning (`allow_duplicate` overrides it), not a unique index."""
    locks.hold(CUSTOMER_INTAKE, locks.WHOLE, shared=True)
    keys = {"name": normalise_company_name(name), "code": (credit_code or "").strip().upper()}
    locks.hold(CUSTOMER_IDENTITY, *(f"{kind}:{key}" for kind, key in keys.items() if key))


def customers_intake_lock() -> None:
    """Until the transaction ends, be the only one creating customers: for bulk writers, whose
    thousands of rows would otherwise each need their own lock."""
    locks.hold(CUSTOMER_INTAKE, locks.WHOLE)


def customer_create(
    *,
    by: User,
    data: dict[str, Any],
    allow_duplicate: bool = False,
    check_scope: bool = True,
    pending: bool | None = None,
) -> Customer:
    """Create a customer after the duplicate check (normalised name, credit code, phone,
    e-mail). A likely duplicate is refused with the candidates unless `allow_duplicate`.
    Concurrent creates of the same name or credit code take turns (`customer_intake_lock`).
    It is filed under the creator's unit and owned by them unless they name another unit and
    owner they may (the access policy, checked first); a conversion that files it where its
    lead is says `check_scope=False`. A customer someone other than an administrator creates
    waits for its approval when the company requires it (`pending` None), or when `pending`
    says so (ADR 19)."""
    if check_scope:
        policy.check_write_scope(Customer, by, {"org_unit": by.org_unit, "owner": by, **data})
    with transaction.atomic():
        customer_intake_lock(name=data.get("name", ""), credit_code=data.get("credit_code", ""))
        return _customer_insert(
            by=by,
            data=data,
            allow_duplicate=allow_duplicate,
            check_scope=check_scope,
            pending=pending,
        )


def _customer_insert(
    *,
    by: User,
    data: dict[str, Any],
    allow_duplicate: bool,
    check_scope: bool = True,
    pending: bool | None = None,
) -> Customer:
    """The check and the insert of `customer_create`, under the caller's intake lock; the
    access policy judges where it is filed and who owns it (unless the caller filed it)."""
    if not allow_duplicate:
        _refuse_duplicates(data)
    data = {"org_unit": by.org_unit, "owner": by, **data}
    if data.get("org_unit") is None:
        raise ValidationFailed(
            _("Choose the org unit the customer belongs to."), fields={"org_unit": [_("Required.")]}
        )
    pending = vetting_required(by) if pending is None else pending
    try:
        with transaction.atomic():
            customer = record_create(Customer, by=by, data=data, check_scope=check_scope)
    except IntegrityError:  # a credit code or external id is unique even for an allowed twin
        _refuse_duplicates({"credit_code": data.get("credit_code", "")}, field="credit_code")
        raise
    if pending:  # a rep's customer waits for its approval (ADR 19), in this transaction
        Customer.all_objects.filter(pk=customer.pk).update(state=CustomerVetting.PENDING)
        customer = Customer.all_objects.get(pk=customer.pk)
        customer_vetting_start(customer=customer, by=by)
    return customer


def _refuse_duplicates(data: dict[str, Any], field: str = "name") -> None:
    candidates = customer_duplicates(
        name=data.get("name", ""),
        credit_code=data.get("credit_code", ""),
        phone=data.get("phone", ""),
        email=data.get("email", ""),
    )
    if candidates:
        raise ValidationFailed(
            _("This customer may already exist: %(names)s.")
            % {"names": ", ".join(f"{c.name} (#{c.pk})" for c in candidates[:5])},
            code="duplicate_customer",
            fields={field: [f"#{c.pk} {c.name}" for c in candidates[:5]]},
        )


def customer_update(
    *, customer: Customer, by: User, data: dict[str, Any], expected_version: int | None = None
) -> Customer:
    """Edit a customer. Later stages hear which fields changed (`customer.changed`): a new tier
    or name changes the score and the matching key of the customer's leads."""
    before = snapshot(customer, list(data))
    with transaction.atomic():
        customer = record_update(customer, by=by, data=data, expected_version=expected_version)
        after = snapshot(customer, list(data))
        changed = sorted(name for name in data if before[name] != after[name])
        if changed:
            hooks.emit("customer.changed", customer=customer, fields=changed, by=by)
    return customer


#: Fields a merge copies from the merged customer when the survivor has none.
MERGE_FILL = ("credit_code", "external_id", "phone", "email", "website", "address", "region")


def _repoint(rel, source: Customer, target: Customer) -> int:
    """Point every row of one relation at `target` instead of `source`."""
    model = rel.related_model
    if rel.many_to_many:
        through = rel.through
        column = next(f.name for f in through._meta.fields if f.related_model is Customer)
        rows = through._base_manager.filter(**{column: source})
    else:
        column = rel.field.name
        rows = model._base_manager.filter(**{column: source})
        if model is Customer:
            rows = rows.exclude(pk=target.pk)
        if (
            rel.one_to_one
            and rows.exists()
            and model._base_manager.filter(**{column: target}).exists()
        ):
            raise Conflict(
                _("Both customers have a %(what)s; resolve that before merging.")
                % {"what": model._meta.verbose_name},
                code="merge_conflict",
            )
    try:
        with transaction.atomic():
            return rows.update(**{column: target})
    except IntegrityError as exc:
        label = (rel.through if rel.many_to_many else model)._meta.verbose_name
        raise Conflict(
            _("The customers' %(what)s clash; resolve that before merging.") % {"what": label},
            code="merge_conflict",
        ) from exc


def customer_merge(*, target: Customer, source: Customer, by: User) -> Customer:
    """Merge customer `source` (a duplicate) into `target`, keeping every related record.

    Every foreign key to the customer — contacts, activities, leads, and whatever later stages
    add (opportunities, contracts, receipts) — is re-pointed generically through
    `Customer._meta.related_objects`, so this app never imports them. Blank fields of the
    survivor are filled from the duplicate. The duplicate stays as a tombstone
    (`merged_into`), so its old links resolve to the survivor; both audit trails record the
    merge. Only sales managers and administrators may merge, and only customers they may
    change.
    """
    if not policy.may(by, "customers.merge", target):
        raise Forbidden(_("Only sales managers and administrators may merge customers."))
    if source.pk == target.pk:
        raise ValidationFailed(
            _("A customer cannot be merged into itself."),
            fields={"source": [_("Choose another customer.")]},
        )
    for customer in (target, source):
        if customer.is_merged:
            raise ValidationFailed(
                _("%(name)s was already merged into another customer.") % {"name": customer},
                fields={"source": [_("Already merged.")]},
            )
        if not policy.can(by, customer, "change"):
            raise Forbidden(_("You may not change %(name)s.") % {"name": customer})
    with transaction.atomic():
        meanwhile = _("One of the customers was merged meanwhile.")
        target, source = lock_pair(Customer, target, source, gone=meanwhile, meanwhile=meanwhile)
        moved: dict[str, int] = {}
        for rel in Customer._meta.related_objects:
            if not (rel.one_to_many or rel.one_to_one or rel.many_to_many):
                continue
            count = _repoint(rel, source, target)
            if count:
                moved[str(rel.related_model._meta.verbose_name_plural)] = count
        customer_type = ContentType.objects.get_for_model(Customer)
        count = Activity.objects.filter(subject_type=customer_type, subject_id=source.pk).update(
            subject_id=target.pk
        )
        if count:
            moved.setdefault(str(Activity._meta.verbose_name_plural), count)

        filled, tombstone = {}, {}
        for name in MERGE_FILL:
            theirs = getattr(source, name)
            if theirs and not getattr(target, name):
                filled[name] = theirs
        for name in ("credit_code", "external_id"):  # unique: leave the tombstone's empty
            if getattr(source, name):
                tombstone[name] = [getattr(source, name), ""]
                setattr(source, name, "")
        if target.parent_id == source.pk:
            filled["parent"] = source.parent if source.parent_id != target.pk else None
        merge_recorded(
            target=target,
            source=source,
            by=by,
            kind="customer",
            filled=filled,
            moved=moved,
            tombstone=tombstone,
            target_comment=message("note.customer_merged_here", name=source.name, pk=source.pk),
            source_comment=message("note.merged_into", name=target.name, pk=target.pk),
        )
        hooks.emit("customer.merged", customer=target, merged=source, by=by)
    return target


def contact_create(
    *,
    by: User,
    data: dict[str, Any],
    check_scope: bool = True,
    allow_duplicate: bool = False,
) -> Contact:
    """A person at a customer the creator may change (`check_scope=False`: a person the
    opportunity's team puts on its decision chain, whoever owns the customer). One with the
    e-mail or phone of a contact the customer has already is a 409 `duplicate_contact` unless
    a manager allows it (accounts.contact_dedupe)."""
    if check_scope:
        policy.check_write_scope(Contact, by, data)
    with transaction.atomic():
        contact_intake_lock(data)
        contact_refuse_duplicate(data, by=by, allow_duplicate=allow_duplicate)
        return record_create(Contact, by=by, data=data, check_scope=False)


def customer_alias_add(*, customer: Customer, by: User, alias: str) -> CustomerAlias:
    """Another name `customer` goes by (广东移动), for anyone who may change the customer. One
    alias names one customer: the unique normalised alias decides (ADR 12), so of two users
    adding it at once the second gets the same 400 as a later repeat. Audited on the customer's
    timeline too."""
    alias = (alias or "").strip()
    key = normalise_company_name(alias)
    if not key:
        raise ValidationFailed(
            _("This is not a company name."), fields={"alias": [_("Not a company name.")]}
        )

    def refuse() -> None:
        taken = (
            CustomerAlias.objects.filter(normalised_alias=key).select_related("customer").first()
        )
        if taken is not None:
            raise ValidationFailed(
                _("%(alias)s already names customer #%(id)s %(name)s.")
                % {"alias": alias, "id": taken.customer_id, "name": taken.customer.name},
                code="duplicate_alias",
                fields={"alias": [f"#{taken.customer_id} {taken.customer.name}"]},
            )
        named = Customer.objects.filter(normalised_name=key).exclude(pk=customer.pk).first()
        if named is not None:
            raise ValidationFailed(
                _("%(alias)s is the name of customer #%(id)s %(name)s.")
                % {"alias": alias, "id": named.pk, "name": named.name},
                code="duplicate_alias",
                fields={"alias": [f"#{named.pk} {named.name}"]},
            )

    with transaction.atomic():
        refuse()
        created = insert_once(
            lambda: record_create(
                CustomerAlias, by=by, data={"customer": customer, "alias": alias}
            ),
            refuse=refuse,
        )
        audit_record(
            target=customer,
            action="customer.alias_added",
            actor=by,
            changes={"alias": [None, alias]},
        )
    return created


def customer_alias_remove(*, alias: CustomerAlias, by: User) -> None:
    """Remove an alias (anyone who may change its customer); audited on the customer."""
    if not policy.can(by, alias.customer, "change"):
        raise Forbidden(_("You may not change the record this belongs to."))
    with transaction.atomic():
        audit_record(
            target=alias.customer,
            action="customer.alias_removed",
            actor=by,
            changes={"alias": [alias.alias, None]},
        )
        alias.delete()

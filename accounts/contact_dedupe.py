"""Duplicate contacts: finding them, refusing a new twin, and merging one into another.

A contact is a person at one customer, so duplicates are looked for within that customer only:
the same normalised e-mail, the same normalised phone, or the same normalised name. Creating a
contact with the e-mail or phone of one the customer already has is refused (409
`duplicate_contact`, naming it) unless a sales manager or an administrator says
`allow_duplicate`. Concurrent creates of the same e-mail or phone at one customer take turns
(`core.locks`), so the second sees the first. Merging (`contact_merge`) moves everything that
points at the duplicate to the survivor and keeps the duplicate as a tombstone.
"""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from core import hooks, locks, policy
from core.audit import audit_record
from core.errors import Conflict, Forbidden, ValidationFailed
from core.messages import message

from .merging import lock_pair, merge_recorded
from .models import Contact, Customer, User
from .normalise import normalise_email, normalise_person_name, normalise_phone

#: Lock scope of the contact duplicate check (core.locks): one key per customer and e-mail
#: or phone.
CONTACT_IDENTITY = "accounts.contact.identity"

#: Fields a merge copies from the duplicate when the survivor has none.
CONTACT_MERGE_FILL = ("title", "department", "phone", "email", "notes", "external_id")


def contact_duplicates(
    *,
    customer: Customer | int,
    name: str = "",
    phone: str = "",
    email: str = "",
    exclude_pk: int | None = None,
) -> list[Contact]:
    """The customer's contacts that are probably this person: same normalised e-mail, phone
    or name. Callers show them only to whoever may see the customer."""
    customer_id = getattr(customer, "pk", customer)
    email_key, phone_key = normalise_email(email), normalise_phone(phone)
    name_key = normalise_person_name(name)
    found = []
    for contact in Contact.objects.filter(customer_id=customer_id).order_by("pk"):
        if contact.pk == exclude_pk:
            continue
        if (
            (email_key and contact.normalised_email == email_key)
            or (phone_key and contact.normalised_phone == phone_key)
            or (name_key and normalise_person_name(contact.name) == name_key)
        ):
            found.append(contact)
    return found[:20]


def contact_duplicates_of(contact: Contact) -> list[Contact]:
    """The other contacts of `contact`'s customer that are probably the same person."""
    return contact_duplicates(
        customer=contact.customer_id,
        name=contact.name,
        phone=contact.phone,
        email=contact.email,
        exclude_pk=contact.pk,
    )


def contact_duplicate_pairs(*, customer: Customer) -> list[tuple[Contact, Contact]]:
    """The customer's likely duplicate contacts as (survivor, duplicate) pairs, the older
    contact first (for the customer page: "merge #12 into #7")."""
    contacts = list(Contact.objects.filter(customer=customer).order_by("pk"))
    pairs, seen = [], set()
    for index, first in enumerate(contacts):
        keys = (first.normalised_email, first.normalised_phone, normalise_person_name(first.name))
        for other in contacts[index + 1 :]:
            if other.pk in seen:
                continue
            if (
                (keys[0] and other.normalised_email == keys[0])
                or (keys[1] and other.normalised_phone == keys[1])
                or (keys[2] and normalise_person_name(other.name) == keys[2])
            ):
                pairs.append((first, other))
                seen.add(other.pk)
    return pairs[:20]


def contact_intake_lock(data: dict[str, Any]) -> None:
    """Until the transaction ends, take turns with every concurrent create of a contact with
    this e-mail or phone at this customer."""
    customer_id = getattr(data.get("customer"), "pk", data.get("customer"))
    if not customer_id:
        return
    keys = {
        "e": normalise_email(data.get("email", "")),
        "p": normalise_phone(data.get("phone", "")),
    }
    locks.hold(CONTACT_IDENTITY, *(f"{customer_id}:{k}:{v}" for k, v in keys.items() if v))


def contact_refuse_duplicate(
    data: dict[str, Any], *, by: User, allow_duplicate: bool = False
) -> None:
    """Refuse (409 `duplicate_contact`, naming it) a new contact whose e-mail or phone one of
    the customer's contacts has already. `allow_duplicate` is a sales manager's or an
    administrator's override: anyone else using it on a twin gets 403. Call under
    `contact_intake_lock`."""
    may_override = policy.may(by, "contacts.add_duplicate")
    customer = data.get("customer")
    if customer is None:
        return
    email_key = normalise_email(data.get("email", ""))
    phone_key = normalise_phone(data.get("phone", ""))
    for field, column, key in (
        ("email", "normalised_email", email_key),
        ("phone", "normalised_phone", phone_key),
    ):
        if not key:
            continue
        twin = Contact.objects.filter(customer=customer, **{column: key}).order_by("pk").first()
        if twin is not None and allow_duplicate:
            if may_override:
                return
            raise Forbidden(_("Only sales managers and administrators may add a contact twice."))
        if twin is not None:
            message = _("%(customer)s already has this contact: %(name)s (#%(pk)s).") % {
                "customer": customer,
                "name": twin.name,
                "pk": twin.pk,
            }
            raise Conflict(
                message,
                code="duplicate_contact",
                fields={field: [message], "duplicate_of": [str(twin.pk)]},
            )


def _repoint(rel, source: Contact, target: Contact) -> int:
    """Point every row of one relation to contacts at `target` instead of `source`."""
    model, column = rel.related_model, rel.field.name
    rows = model._base_manager.filter(**{column: source})
    if model is Contact:
        rows = rows.exclude(pk=target.pk)
    try:
        with transaction.atomic():
            return rows.update(**{column: target})
    except IntegrityError as exc:
        raise Conflict(
            _("Both contacts are on the same %(what)s; remove one of them before merging.")
            % {"what": model._meta.verbose_name},
            code="merge_conflict",
        ) from exc


def _contact_relations():
    """Every foreign key to Contact, hidden ones (related_name="+") included: activities,
    leads, decision chains of accounts and opportunities, and whatever later stages add."""
    return [
        field
        for field in Contact._meta.get_fields(include_hidden=True)
        if field.auto_created and not field.concrete and (field.one_to_many or field.one_to_one)
    ]


def _check_mergeable(*, target: Contact, source: Contact, by: User) -> None:
    if source.pk == target.pk:
        raise ValidationFailed(
            _("A contact cannot be merged into itself."),
            fields={"source": [_("Choose another contact.")]},
        )
    for contact in (target, source):
        if contact.is_merged:
            raise ValidationFailed(
                _("%(name)s was already merged into another contact.") % {"name": contact},
                fields={"source": [_("Already merged.")]},
            )
        if not policy.can(by, contact, "change"):
            raise Forbidden(_("You may not change %(name)s.") % {"name": contact})
    if source.customer_id != target.customer_id:
        raise ValidationFailed(
            _("Only contacts of the same customer can be merged."),
            fields={"source": [_("A contact of another customer.")]},
        )


def contact_merge(*, target: Contact, source: Contact, by: User) -> Contact:
    """Merge contact `source` (a duplicate) into `target`, a contact of the same customer.

    Every foreign key to the contact — activities, leads, the account's and opportunities'
    decision chains — is re-pointed generically, so this app never imports later ones; a
    person on the same chain twice is a 409 `merge_conflict` to resolve first. Blank fields of
    the survivor are filled from the duplicate, which stays as a tombstone (`merged_into`).
    Both rows are locked (in id order) and checked again, so of two concurrent merges of one
    duplicate only one succeeds; the other gets 409 `merge_conflict`. Whoever may change both
    contacts may merge them; both audit trails record it.
    """
    _check_mergeable(target=target, source=source, by=by)
    with transaction.atomic():
        target, source = lock_pair(
            Contact,
            target,
            source,
            gone=_("One of the contacts is gone."),
            meanwhile=_("One of the contacts was merged meanwhile."),
        )
        moved: dict[str, int] = {}
        for rel in _contact_relations():
            count = _repoint(rel, source, target)
            if count:
                label = str(rel.related_model._meta.verbose_name_plural)
                moved[label] = moved.get(label, 0) + count
        filled, tombstone = {}, {}
        for name in CONTACT_MERGE_FILL:
            theirs = getattr(source, name)
            if theirs and not getattr(target, name):
                filled[name] = theirs
        if source.external_id:  # unique: the tombstone gives it up
            tombstone["external_id"] = [source.external_id, ""]
            source.external_id = ""
        merge_recorded(
            target=target,
            source=source,
            by=by,
            kind="contact",
            filled=filled,
            moved=moved,
            tombstone=tombstone,
            target_comment=message("note.contact_merged_here", name=source.name, pk=source.pk),
            source_comment=message("note.merged_into", name=target.name, pk=target.pk),
        )
        audit_record(
            target=target.customer,
            action="contact.merged",
            actor=by,
            comment=message(
                "note.contact_merged",
                source=source.name,
                spk=source.pk,
                target=target.name,
                tpk=target.pk,
            ),
        )
        hooks.emit("contact.merged", contact=target, merged=source, by=by)
    return target


def contact_resolve(*, user: User, pk: int) -> Contact | None:
    """The contact with this id as the user may see it — a merged tombstone included."""
    return policy.restrict(Contact.all_objects.all(), user).filter(pk=pk).first()

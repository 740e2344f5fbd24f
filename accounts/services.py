"""Writes on parties: customers, contacts and iron triangles."""

from __future__ import annotations

from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, models, transaction
from django.utils import timezone
from django.utils.formats import date_format, number_format
from django.utils.translation import gettext as _

from core import hooks, locks, policy
from core.audit import audit_record, snapshot
from core.choices import TriangleRole
from core.errors import ApplicationError, Conflict, Forbidden, ValidationFailed
from core.records import insert_once, record_create, record_update

from .activities import (
    filed_with,
    may_take_next_step,
    promise_cap,
    subject_customer,
    takes_promises,
)
from .choices import ActivityKind
from .contact_dedupe import contact_intake_lock, contact_refuse_duplicate
from .models import (
    AccountChainMember,
    Activity,
    Contact,
    Customer,
    CustomerAlias,
    IronTriangle,
    IronTriangleMember,
    User,
)
from .normalise import normalise_company_name
from .selectors import customer_duplicates

SEATS = (TriangleRole.AR, TriangleRole.SR, TriangleRole.FR)


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
) -> Customer:
    """Create a customer after the duplicate check (normalised name, credit code, phone,
    e-mail). A likely duplicate is refused with the candidates unless `allow_duplicate`.
    Concurrent creates of the same name or credit code take turns (`customer_intake_lock`).
    It is filed under the creator's unit and owned by them unless they name another unit and
    owner they may (the access policy, checked first); a conversion that files it where its
    lead is says `check_scope=False`."""
    if check_scope:
        policy.check_write_scope(Customer, by, {"org_unit": by.org_unit, "owner": by, **data})
    with transaction.atomic():
        customer_intake_lock(name=data.get("name", ""), credit_code=data.get("credit_code", ""))
        return _customer_insert(
            by=by, data=data, allow_duplicate=allow_duplicate, check_scope=check_scope
        )


def _customer_insert(
    *, by: User, data: dict[str, Any], allow_duplicate: bool, check_scope: bool = True
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
    try:
        with transaction.atomic():
            return record_create(Customer, by=by, data=data, check_scope=check_scope)
    except IntegrityError:  # a credit code or external id is unique even for an allowed twin
        _refuse_duplicates({"credit_code": data.get("credit_code", "")}, field="credit_code")
        raise


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
        locked = {
            c.pk: c
            for c in Customer.all_objects.select_for_update().filter(pk__in=[target.pk, source.pk])
        }
        target, source = locked[target.pk], locked[source.pk]
        if target.merged_into_id or source.merged_into_id:
            raise Conflict(_("One of the customers was merged meanwhile."), code="merge_conflict")
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
        source.merged_into, source.merged_at = target, timezone.now()
        source.version += 1
        source.save(
            update_fields=["merged_into", "merged_at", "credit_code", "external_id", "version"]
        )
        for name, value in filled.items():
            setattr(target, name, value)
        target.version += 1
        target.save(update_fields=[*filled, "version", "updated_at"])
        audit_record(
            target=target,
            action="customer.merged",
            actor=by,
            comment=_("Merged %(name)s (#%(pk)s) into this customer.")
            % {"name": source.name, "pk": source.pk},
            changes={
                "merged": source.pk,
                "moved": moved,
                **{k: ["", v] for k, v in filled.items()},
            },
        )
        audit_record(
            target=source,
            action="customer.merged_into",
            actor=by,
            comment=_("Merged into %(name)s (#%(pk)s).") % {"name": target.name, "pk": target.pk},
            changes={"merged_into": target.pk, **tombstone},
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


def iron_triangle_create(
    *,
    ar: User | None = None,
    sr: User | None = None,
    fr: User | None = None,
    members: list[User] | None = None,
    by: User | None = None,
    unit=None,
) -> IronTriangle:
    """A new team with the seats given (seats may be filled later), for a record `by` files
    under `unit`: the SR, FR and members `by` chose must be colleagues they may seat (the AR
    is the record's owner, held to the owner rule when the record is saved)."""
    policy.check_seats(
        by, {TriangleRole.SR: sr, TriangleRole.FR: fr}, unit=unit, members=members or ()
    )
    team = IronTriangle.objects.create()
    rows = [
        IronTriangleMember(team=team, user=u, role=r)
        for r, u in ((TriangleRole.AR, ar), (TriangleRole.SR, sr), (TriangleRole.FR, fr))
        if u is not None
    ]
    rows += [
        IronTriangleMember(team=team, user=u, role=TriangleRole.MEMBER)
        for u in dict.fromkeys(members or [])
    ]
    IronTriangleMember.objects.bulk_create(rows)
    return team


def iron_triangle_copy(team: IronTriangle) -> IronTriangle:
    """A copy of a team: a contract gets its own, so its changes never rewrite the
    opportunity's history."""
    copy = IronTriangle.objects.create()
    IronTriangleMember.objects.bulk_create(
        IronTriangleMember(team=copy, user_id=m.user_id, role=m.role) for m in team.members.all()
    )
    return copy


def record_team_set(
    *, record, by: User, seats: dict[str, User | None], members: list[User] | None = None
):
    """Change the iron triangle of an opportunity or a contract (any record with `team` and
    `owner`). Only its AR, a sales manager who may change it, or an administrator may; the AR
    seat is never emptied, and a new AR becomes the record's owner."""
    is_ar = record.team.seat(TriangleRole.AR) == by
    if not (is_ar or (by.is_manager and policy.can(by, record, "change")) or by.is_admin):
        raise Forbidden(_("Only the AR or a sales manager may change the iron triangle."))
    if seats.get(TriangleRole.AR, record.owner) is None:
        raise ValidationFailed(_("The AR seat cannot be emptied."), fields={"ar": [_("Required.")]})
    with transaction.atomic():
        iron_triangle_set(team=record.team, subject=record, by=by, seats=seats, members=members)
        new_ar = seats.get(TriangleRole.AR)
        if new_ar is not None and new_ar != record.owner:
            record_update(record, by=by, data={"owner": new_ar})
    return record


def iron_triangle_set(
    *,
    team: IronTriangle,
    subject,
    by: User,
    seats: dict[str, User | None],
    members: list[User] | None = None,
) -> IronTriangle:
    """Fill or change seats (and optionally the extra members) of `subject`'s iron triangle.

    Whoever takes a seat is held to the access policy (`policy.check_seats`): a new AR is
    someone `by` may assign, a new SR, FR or member a colleague of the subject's office.
    Every change is audited on the subject, so the team's history shows on its timeline.
    """
    unknown = set(seats) - set(SEATS)
    if unknown:
        raise ValidationFailed(
            _("Unknown seat."), fields={s: [_("Unknown seat.")] for s in unknown}
        )
    inactive = [role for role, user in seats.items() if user is not None and not user.is_active]
    if inactive:
        raise ValidationFailed(
            _("An inactive user cannot take a seat."),
            fields={r: [_("This user is inactive.")] for r in inactive},
        )
    with transaction.atomic():
        # The team's row lock: two concurrent changes of one seat take turns, so the second
        # sees who the first seated (a seat holds one person: a unique constraint).
        IronTriangle.objects.select_for_update().only("pk").get(pk=team.pk)
        current = {m.role: m for m in team.members.select_related("user") if m.role in SEATS}
        seated = set(
            team.members.filter(role=TriangleRole.MEMBER).values_list("user_id", flat=True)
        )
        joining = [u for u in members or [] if u.pk not in seated]
        policy.check_seats(
            by,
            {
                role: user
                for role, user in seats.items()
                if user is not None and (role not in current or current[role].user_id != user.pk)
            },
            unit=getattr(subject, "org_unit", None),
            members=joining,
        )
        changes = {}
        for role, user in seats.items():
            member = current.get(role)
            if member and user and member.user_id == user.pk:
                continue
            if member is None and user is None:
                continue
            changes[role] = [str(member.user) if member else None, str(user) if user else None]
            if member:
                member.delete()
            if user:
                IronTriangleMember.objects.create(team=team, user=user, role=role)
        if members is not None:
            before = set(
                team.members.filter(role=TriangleRole.MEMBER).values_list("user_id", flat=True)
            )
            after = {u.pk for u in members}
            if before != after:
                team.members.filter(role=TriangleRole.MEMBER).delete()
                IronTriangleMember.objects.bulk_create(
                    IronTriangleMember(team=team, user=u, role=TriangleRole.MEMBER)
                    for u in dict.fromkeys(members)
                )
                changes["members"] = [sorted(before), sorted(after)]
        if changes:
            audit_record(target=subject, action="team.changed", actor=by, changes=changes)
    return team


# --- The account's decision chain (决策链 on the customer) ----------------------------------------

CHAIN_FIELDS = ("contact", "role", "stance", "relationship", "coach_level", "reports_to", "notes")


def _check_account_chain(by: User, customer: Customer) -> None:
    if not policy.can(by, customer, "change"):
        raise Forbidden(_("You may not change this customer."))


def _check_account_chain_refs(customer: Customer, data: dict, member=None) -> None:
    errors = {}
    contact = data.get("contact")
    if contact is not None and contact.customer_id != customer.pk:
        errors["contact"] = [_("Choose a person of this customer.")]
    boss = data.get("reports_to")
    if boss is not None and (
        boss.customer_id != customer.pk or (member is not None and boss.pk == member.pk)
    ):
        errors["reports_to"] = [_("Choose another person on this decision chain.")]
    if errors:
        raise ValidationFailed(_("The decision-chain entry is not valid."), fields=errors)


def account_chain_add(*, customer: Customer, by: User, data: dict[str, Any]) -> AccountChainMember:
    """Put a person of the customer on its standing decision chain (once per person: a unique
    constraint). New opportunities for the customer start with a copy of this chain."""
    _check_account_chain(by, customer)
    data = {k: v for k, v in data.items() if k in CHAIN_FIELDS}
    if data.get("contact") is None:
        raise ValidationFailed(_("Who is it?"), fields={"contact": [_("Required.")]})
    _check_account_chain_refs(customer, data)

    def refuse_second_entry():
        if AccountChainMember.objects.filter(customer=customer, contact=data["contact"]).exists():
            raise ValidationFailed(
                _("%(name)s is already on the decision chain.") % {"name": data["contact"]},
                fields={"contact": [_("Already on the decision chain.")]},
            )

    refuse_second_entry()
    with transaction.atomic():
        member = insert_once(
            lambda: record_create(
                AccountChainMember, by=by, data={**data, "customer": customer}, audit=False
            ),
            refuse=refuse_second_entry,
        )
        audit_record(
            target=customer,
            action="account_chain.added",
            actor=by,
            comment=f"{member.contact} ({member.get_role_display()}, "
            f"{member.get_stance_display()})",
        )
    return member


def account_chain_update(
    *, member: AccountChainMember, by: User, data: dict[str, Any]
) -> AccountChainMember:
    """Change someone's role, stance, our relationship or their guide level (history kept)."""
    _check_account_chain(by, member.customer)
    data = {k: v for k, v in data.items() if k in CHAIN_FIELDS and k != "contact"}
    _check_account_chain_refs(member.customer, data, member)
    return record_update(member, by=by, data=data, check_scope=False)


def account_chain_remove(*, member: AccountChainMember, by: User) -> None:
    """Take a person off the customer's standing chain (opportunities keep their own copy)."""
    _check_account_chain(by, member.customer)
    with transaction.atomic():
        audit_record(
            target=member.customer,
            action="account_chain.removed",
            actor=by,
            comment=f"{member.contact} ({member.get_role_display()})",
        )
        member.delete()


# --- Activities ---------------------------------------------------------------------------------

ACTIVITY_FIELDS = (
    "kind",
    "contact",
    "occurred_at",
    "summary",
    "notes",
    "outcome",
    "next_step",
    "next_step_date",
    "promised_payment_date",
    "promised_amount",
)


def _check_activity(data: dict[str, Any], customer: Customer | None) -> None:
    if data.get("next_step_date") and not (data.get("next_step") or "").strip():
        raise ValidationFailed(
            _("Say what the next step is."), fields={"next_step": [_("Required with a date.")]}
        )
    contact = data.get("contact")
    if contact is not None and (customer is None or contact.customer_id != customer.pk):
        raise ValidationFailed(
            _("The contact must work at the customer."),
            fields={"contact": [_("Not a contact of this customer.")]},
        )
    owner = data.get("owner")
    if owner is not None and not owner.is_active:
        raise ValidationFailed(_("This user is inactive."), fields={"owner": [_("Inactive.")]})


def _check_promise(data: dict[str, Any], subject: models.Model) -> None:
    """A collection call only where money is owed (a payment milestone); a promise of payment
    only on a collection call, dated, and no more than what is still owed."""
    kind = data.get("kind")
    amount, when = data.get("promised_amount"), data.get("promised_payment_date")
    errors: dict[str, list[str]] = {}
    if kind == ActivityKind.COLLECTION_CALL and not takes_promises(subject):
        errors["kind"] = [_("Collection calls are recorded on payment milestones.")]
    elif kind != ActivityKind.COLLECTION_CALL and (amount is not None or when is not None):
        errors["kind"] = [_("Only a collection call records a promise of payment.")]
    elif amount is not None and when is None:
        errors["promised_payment_date"] = [_("Say when the customer will pay.")]
    elif amount is not None and amount <= 0:
        errors["promised_amount"] = [_("Enter an amount above zero.")]
    elif amount is not None and amount > promise_cap(subject):
        errors["promised_amount"] = [
            _("No more than what is still owed (%(amount)s).") % {"amount": promise_cap(subject)}
        ]
    if errors:
        raise ValidationFailed(_("The collection call is not valid."), fields=errors)


def _check_activity_owner(by: User, owner: User | None, subject: models.Model | None) -> None:
    if may_take_next_step(by, owner, subject):
        return
    raise ValidationFailed(
        _("The next step can go to you or to the record's owner."),
        code=policy.OUT_OF_SCOPE,
        fields={"owner": [_("Not someone you may give work to.")]},
    )


def _activity_sentence(activity: Activity) -> str:
    """How the activity reads on its record's timeline, with the promise of a collection call."""
    sentence = f"{activity.get_kind_display()}: {activity.summary}"
    if activity.promised_payment_date is None:
        return sentence
    if activity.promised_amount is None:
        promise = _("payment promised by %(date)s") % {
            "date": date_format(activity.promised_payment_date, "SHORT_DATE_FORMAT")
        }
    else:
        promise = _("%(amount)s %(currency)s promised by %(date)s") % {
            "amount": number_format(activity.promised_amount, 2, force_grouping=True),
            "currency": activity.promised_currency,
            "date": date_format(activity.promised_payment_date, "SHORT_DATE_FORMAT"),
        }
    return f"{sentence} ({promise})"


def activity_create(*, by: User, subject: models.Model, data: dict[str, Any]) -> Activity:
    """Record a customer interaction (visit, call, e-mail, meeting, demo) on `subject`: a lead,
    an opportunity, a contract or a customer. Whoever may change the subject may record one.

    The activity takes the subject's customer and org unit; its owner (who follows up the next
    step) is the recorder unless named. The subject's timeline shows it, and later stages hear
    of it (`activity.logged`: a lead's score counts recent activity).
    """
    if not policy.can(by, subject, "change"):
        raise Forbidden(_("You may not record activities on this record."))
    customer = subject_customer(subject)
    data = {k: v for k, v in data.items() if k in (*ACTIVITY_FIELDS, "owner")}
    _check_activity(data, customer)
    _check_promise(data, subject)
    _check_activity_owner(by, data.get("owner"), subject)
    org_unit = getattr(filed_with(subject), "org_unit", None) or by.org_unit
    if data.get("promised_amount") is not None:
        data["promised_currency"] = subject.currency
    if org_unit is None:
        raise ValidationFailed(
            _("Choose the org unit the lead belongs to."), fields={"org_unit": [_("Required.")]}
        )
    with transaction.atomic():
        # Filed with its subject (unit, customer): whoever may change the subject records it.
        activity = record_create(
            Activity,
            by=by,
            check_scope=False,
            data={
                **data,
                "owner": data.get("owner") or by,
                "subject_type": ContentType.objects.get_for_model(subject),
                "subject_id": subject.pk,
                "customer": customer,
                "org_unit": org_unit,
                "created_by": by,
            },
        )
        audit_record(
            target=subject,
            action="activity.logged",
            actor=by,
            comment=_activity_sentence(activity),
        )
        hooks.emit("activity.logged", activity=activity, by=by)
    return activity


def activity_update(
    *, activity: Activity, by: User, data: dict[str, Any], expected_version: int | None = None
) -> Activity:
    """Edit an activity's notes, outcome or next step; `next_step_done` marks the step done (or
    open again). A new next-step date is flagged again when it passes."""
    if not policy.can(by, activity, "change"):
        raise Forbidden(_("You may not change this activity."))
    data = dict(data)
    done = data.pop("next_step_done", None)
    data = {k: v for k, v in data.items() if k in (*ACTIVITY_FIELDS, "owner")}
    if done is not None and done != (activity.next_step_done_at is not None):
        data["next_step_done_at"] = timezone.now() if done else None
    if "next_step_date" in data and data["next_step_date"] != activity.next_step_date:
        data["overdue_notified_at"] = None
    merged = {
        "kind": activity.kind,
        "next_step": activity.next_step,
        "next_step_date": activity.next_step_date,
        "contact": activity.contact,
        "promised_payment_date": activity.promised_payment_date,
        "promised_amount": activity.promised_amount,
        **data,
    }
    _check_activity(merged, activity.customer)
    if {"kind", "promised_payment_date", "promised_amount"} & data.keys():
        _check_promise(merged, activity.subject)
        if merged["promised_amount"] is not None:
            data["promised_currency"] = activity.subject.currency
    if data.get("owner") is not None and data["owner"].pk != activity.owner_id:
        _check_activity_owner(by, data["owner"], activity.subject)
    return record_update(
        activity, by=by, data=data, expected_version=expected_version, check_scope=False
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


# --- user administration (issue 17.8, ADR 15) ---------------------------------------------------

#: The fields an administrator sets on a user through the API (the password separately).
USER_FIELDS = (
    "username",
    "email",
    "first_name",
    "last_name",
    "role",
    "org_unit",
    "title",
    "phone",
    "language",
    "is_active",
)


def _require_admin(by: User) -> None:
    if not policy.may(by, "users.administer"):
        raise Forbidden(_("Only an administrator may manage users."))


def _refuse_user_twins(data: dict[str, Any], *, exclude: int | None = None) -> None:
    """A 400 naming the field when another user has the username or e-mail (any case)."""
    others = User.objects.exclude(pk=exclude) if exclude else User.objects.all()
    errors = {}
    if data.get("username") and others.filter(username__iexact=data["username"]).exists():
        errors["username"] = [_("Another user has this username.")]
    if data.get("email") and others.filter(email__iexact=data["email"]).exists():
        errors["email"] = [_("Another user has this e-mail address.")]
    if errors:
        raise ValidationFailed(_("This user clashes with another."), fields=errors)


def _check_unit(by: User, data: dict[str, Any]) -> None:
    unit = data.get("org_unit")
    if unit is not None and not policy.may_file_under(by, unit):
        raise policy.out_of_scope(User, {"org_unit": [_("You may not place people here.")]})


def user_create(*, by: User, data: dict[str, Any], password: str | None = None) -> User:
    """Create a user (an administrator; an identity system's sync), audited. Username and
    e-mail are unique in the database (case-insensitive e-mail); without a password the user
    cannot sign in with one (single sign-on)."""
    _require_admin(by)
    _check_unit(by, data)
    _refuse_user_twins(data)
    user = User(**{k: v for k, v in data.items() if k in USER_FIELDS})
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()

    def create() -> User:
        user.save()
        audit_record(target=user, action="created", actor=by, changes=snapshot(user, list(data)))
        return user

    with transaction.atomic():
        return insert_once(create, refuse=lambda: _refuse_user_twins(data))


def user_holdings(*, user: User) -> dict[str, int]:
    """What a user holds that someone should take over when they leave: the customers they own
    and their iron-triangle seats here, and what later stages report (`user.holdings`)."""
    holdings = {
        "customers": Customer.objects.filter(owner=user).count(),
        "team_seats": IronTriangleMember.objects.filter(user=user).count(),
    }
    for found in hooks.emit("user.holdings", user=user):
        holdings.update(found or {})
    return {name: count for name, count in holdings.items() if count}


def user_update(*, by: User, user: User, data: dict[str, Any], password: str | None = None) -> User:
    """Change a user (an administrator): move them to another org unit, set their role,
    rename, deactivate or reactivate; audited with before and after. No one is deleted."""
    _require_admin(by)
    _check_unit(by, data)
    _refuse_user_twins(data, exclude=user.pk)
    fields = [k for k in data if k in USER_FIELDS]
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=user.pk)
        before = snapshot(locked, fields)
        for name in fields:
            setattr(locked, name, data[name])
        if password:
            locked.set_password(password)
        after = snapshot(locked, fields)
        changes = {k: [before[k], after[k]] for k in fields if before[k] != after[k]}
        if not changes and not password:
            return locked
        try:
            with transaction.atomic():
                locked.save()
        except IntegrityError:
            _refuse_user_twins(data, exclude=user.pk)
            raise
        if password:
            changes["password"] = ["", _("changed")]
        audit_record(
            target=locked,
            action="user.deactivated" if changes.get("is_active") == [True, False] else "updated",
            actor=by,
            changes=changes,
        )
    return locked


def user_deactivate(*, by: User, user: User) -> tuple[User, dict[str, int]]:
    """Deactivate a user (they can no longer sign in or be given work); returns them and what
    they still hold, for someone to reassign. Allowed even when they hold seats or records:
    a leaver cannot be kept active until everything moved (ADR 15)."""
    if user.pk == by.pk:
        raise ValidationFailed(
            _("You cannot deactivate yourself."), fields={"is_active": [_("Not yourself.")]}
        )
    user = user_update(by=by, user=user, data={"is_active": False})
    return user, user_holdings(user=user)

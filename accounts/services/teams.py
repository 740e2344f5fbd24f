"""The iron triangle (AR / SR / FR) of records, and the customer's standing decision chain."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.choices import ChainRole, Stance
from core import policy
from core.audit import audit_record
from core.choices import TriangleRole
from core.errors import Forbidden, ValidationFailed
from core.messages import label, message
from core.records import insert_once, record_create, record_update

from ..models import (
    AccountChainMember,
    Customer,
    IronTriangle,
    IronTriangleMember,
    User,
)

SEATS = (TriangleRole.AR, TriangleRole.SR, TriangleRole.FR)


def check_distinct_seats(seats: dict[str, User | None], *, changed) -> None:
    """Refuse (400, `seat_held_twice`) a person the change puts in one seat who holds another
    of the three (`seats`: the team as it would be), unless the company allows shared seats
    (`settings.IRON_TRIANGLE_SHARED_SEATS`). Only the seats being changed are judged, so an
    older team that shares seats can still be edited elsewhere."""
    if settings.IRON_TRIANGLE_SHARED_SEATS:
        return
    errors = {}
    for role in changed:
        user = seats.get(role)
        if user is None:
            continue
        others = [
            str(TriangleRole(other).label)
            for other, holder in seats.items()
            if other != role and holder is not None and holder.pk == user.pk
        ]
        if others:
            errors[str(role)] = [
                _("%(name)s already holds the seat %(seats)s.")
                % {"name": user, "seats": ", ".join(others)}
            ]
    if errors:
        raise ValidationFailed(
            _("One person cannot hold two seats of the iron triangle."),
            code="seat_held_twice",
            fields=errors,
        )


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
    check_distinct_seats(
        {TriangleRole.AR: ar, TriangleRole.SR: sr, TriangleRole.FR: fr},
        changed=(TriangleRole.SR, TriangleRole.FR),
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
        changing = [
            role
            for role, user in seats.items()
            if user is not None and (role not in current or current[role].user_id != user.pk)
        ]
        after = {role: member.user for role, member in current.items()}
        check_distinct_seats({**after, **seats}, changed=changing)
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
            comment=message(
                "note.person_role_stance",
                contact=member.contact,
                role=label(ChainRole, member.role),
                stance=label(Stance, member.stance),
            ),
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
            comment=message(
                "note.person_role", contact=member.contact, role=label(ChainRole, member.role)
            ),
        )
        member.delete()

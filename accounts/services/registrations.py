"""Customer registrations (客户报备): register, renew, release, rule and expire.

A registration protects a customer, or one project at it, for its holder for
`CUSTOMER_REGISTRATION_DAYS`. The database allows one protected registration per customer and
project (`registration_one_protected`); the services take turns per customer (`core.locks`),
so a whole-customer registration and a project registration of the same customer cannot both
slip in, and the loser of a race gets the answer a later repeat gets (ADR 12).
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.db.models import Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from core import locks, policy
from core.audit import audit_record
from core.choices import Role
from core.errors import Conflict, Forbidden, ValidationFailed
from core.fsm import transition_run
from core.messages import day, label, message
from core.notifications import notify
from core.records import insert_once

from ..choices import RegistrationAward, RegistrationState
from ..models import Activity, Customer, CustomerRegistration, OrgUnit, User, project_key

S = RegistrationState
#: Lock scope: registrations of one customer take turns (core.locks).
REGISTRATION_LOCK = "accounts.customer.registration"


def registration_period_end(start: dt.date | None = None) -> dt.date:
    """The last day a protection that begins (or is renewed) on `start` covers."""
    start = start or timezone.localdate()
    return start + dt.timedelta(days=settings.CUSTOMER_REGISTRATION_DAYS)


def registration_holder(
    *, customer: Customer, project: str = "", exclude_pk: int | None = None
) -> CustomerRegistration | None:
    """The protected registration a new one for `customer` (and `project`) would collide with:
    one for the same project, or one for the whole customer; a whole-customer registration
    collides with any. Read across the company, as the duplicate check is (ADR 4)."""
    key = project_key(project)
    found = CustomerRegistration.objects.filter(customer=customer, state=S.PROTECTED)
    if key:
        found = found.filter(project_key__in=[key, ""])
    if exclude_pk is not None:
        found = found.exclude(pk=exclude_pk)
    return found.select_related("owner").order_by("-project_key", "pk").first()


def registration_rulers(registration: CustomerRegistration) -> list[User]:
    """Who is asked to rule a contested registration: the sales managers of the units above
    both the new registration and the one holding protection (the nearest common ones and
    everything above them)."""
    units = set(OrgUnit.objects.get(pk=registration.org_unit_id).ancestor_ids())
    if registration.competing_id:
        holder_unit = OrgUnit.objects.get(pk=registration.competing.org_unit_id)
        units &= set(holder_unit.ancestor_ids())
    return list(User.objects.filter(is_active=True, org_unit_id__in=units, role=Role.SALES_MANAGER))


def _conflict_error(holder: CustomerRegistration) -> ValidationFailed:
    text = _(
        "%(customer)s is protected for %(holder)s until %(until)s (registration #%(pk)s). "
        "Ask for a ruling (contest) if you should hold it."
    ) % {
        "customer": holder,
        "holder": holder.holder_name,
        "until": holder.protected_until.isoformat(),
        "pk": holder.pk,
    }
    return ValidationFailed(text, code="registration_conflict", fields={"customer": [text]})


def _refuse_twin(
    customer: Customer, project: str, owner: User, *, contest: bool, channel: str = ""
) -> None:
    """Raise the user's error if this registration may not be made now (ADR 12: run before the
    insert and again when the constraint refuses it). A holder is "the same" when both the
    owner and the channel match: two partners with one partner manager still collide."""
    key = project_key(project)
    mine = CustomerRegistration.objects.filter(
        customer=customer, project_key=key, owner=owner, channel=channel, state=S.PENDING_RULING
    ).first()
    if mine is not None:
        text = _("%(owner)s's registration of %(what)s is waiting for a ruling already.") % {
            "owner": owner,
            "what": mine,
        }
        raise ValidationFailed(text, code="registration_exists", fields={"customer": [text]})
    holder = registration_holder(customer=customer, project=project)
    if holder is None:
        return
    if holder.owner_id == owner.pk and holder.channel == channel:
        text = _("%(what)s is protected for %(owner)s until %(until)s already; renew it.") % {
            "what": holder,
            "owner": holder.holder_name,
            "until": holder.protected_until.isoformat(),
        }
        raise ValidationFailed(text, code="registration_exists", fields={"customer": [text]})
    if not contest:
        raise _conflict_error(holder)


def registration_check(
    *, customer: Customer, project: str, owner: User, channel: str = "", contest: bool = False
) -> None:
    """The refusal a registration would meet now, without making one: a 400
    `registration_conflict` naming the holder and the end of their protection (unless it
    would be contested), or `registration_exists`. For a step before registering (a partner's
    project registration is checked when submitted, registered when approved: ADR 20)."""
    _refuse_twin(customer, (project or "").strip(), owner, contest=contest, channel=channel)


def _latest_activity(customer_id: int, since: dt.datetime | None) -> dt.datetime | None:
    found = Activity.objects.filter(customer_id=customer_id)
    if since is not None:
        found = found.filter(occurred_at__gt=since)
    return found.aggregate(last=Max("occurred_at"))["last"]


def _record_on_customer(registration, action: str, *, by, comment="", **changes) -> None:
    audit_record(
        target=registration.customer,
        action=action,
        actor=by,
        comment=comment,
        changes={
            "registration": registration.pk,
            "project": registration.project,
            "holder": registration.holder_name,
            **changes,
        },
    )


def _ended(registration: CustomerRegistration) -> dict:
    """How a protection ended, read in each reader's language on the customer's timeline."""
    return message("note.registration_ended", state=label(RegistrationState, registration.state))


def registration_create(
    *,
    by: User,
    customer: Customer,
    project: str = "",
    owner: User | None = None,
    contest: bool = False,
    channel: str = "",
    channel_name: str = "",
) -> CustomerRegistration:
    """Register `customer` (or `project` at it) for `owner` (default: the registrant).

    Protected at once when nobody holds it. When a colleague holds it: a 400
    `registration_conflict` naming them and the end of their protection, or, with `contest`,
    a registration waiting for a ruling that names theirs, and the managers over both told.
    `channel` / `channel_name`: held for an outside party (a partner's project registration,
    ADR 20) with `owner` our person responsible for it; its own key keeps it apart from the
    owner's other registrations.
    """
    owner = owner or by
    project = (project or "").strip()
    if not policy.may(by, "registrations.register", customer):
        raise Forbidden(_("Your role does not register customers."))
    if not policy.can(by, customer, "view"):
        raise ValidationFailed(_("No such record."), fields={"customer": [_("No such record.")]})
    if customer.is_merged:
        text = _("%(name)s was merged into another customer.") % {"name": customer.name}
        raise ValidationFailed(text, fields={"customer": [text]})
    if len(project) > 200:
        raise ValidationFailed(
            _("At most 200 characters."), fields={"project": [_("At most 200 characters.")]}
        )
    policy.check_write_scope(CustomerRegistration, by, {"owner": owner, "org_unit": owner.org_unit})
    with transaction.atomic():
        locks.hold(REGISTRATION_LOCK, str(customer.pk))
        _refuse_twin(customer, project, owner, contest=contest, channel=channel)
        holder = registration_holder(customer=customer, project=project)
        now = timezone.now()
        fields = {
            "customer": customer,
            "project": project,
            "owner": owner,
            "registered_by": by,
            "org_unit_id": owner.org_unit_id,
            "channel": channel,
            "channel_name": channel_name[:200],
        }
        if holder is None:
            fields.update(
                state=S.PROTECTED,
                protected_until=registration_period_end(),
                renewed_at=now,
                last_activity_at=_latest_activity(customer.pk, None),
            )
        else:
            fields.update(state=S.PENDING_RULING, competing=holder)
        registration = insert_once(
            lambda: CustomerRegistration.objects.create(**fields),
            refuse=lambda: _refuse_twin(customer, project, owner, contest=contest, channel=channel),
        )
        audit_record(
            target=registration,
            action="created",
            actor=by,
            changes={"state": registration.state, "owner": str(owner), "project": project},
        )
        if holder is None:
            _record_on_customer(
                registration,
                "registration.protected",
                by=by,
                until=registration.protected_until,
            )
            return registration
        _record_on_customer(
            registration,
            "registration.contested",
            by=by,
            against=holder.holder_name,
            until=holder.protected_until,
        )
        notify(
            recipients=registration_rulers(registration),
            kind="registration.contested",
            target=registration,
            exclude=by,
            email=True,
            message=message(
                "registration.contested",
                owner=registration.holder_name,
                what=str(registration),
                holder=holder.holder_name,
                until=day(holder.protected_until),
            ),
        )
    return registration


def _locked(registration: CustomerRegistration) -> CustomerRegistration:
    return (
        CustomerRegistration.objects.select_for_update()
        .select_related("customer", "owner")
        .get(pk=registration.pk)
    )


def _require_state(registration: CustomerRegistration, state: str) -> None:
    """A 409 unless the registration is in `state` (protected, or waiting for a ruling)."""
    if registration.state == state:
        return
    text = _("This registration is “%(state)s”, not “%(wanted)s”.") % {
        "state": registration.get_state_display(),
        "wanted": S(state).label,
    }
    if state == S.PROTECTED:
        raise Conflict(text, code="registration_not_protected")
    raise Conflict(text, code="registration_not_in_ruling")


def registration_renew(*, registration: CustomerRegistration, by: User) -> CustomerRegistration:
    """The holder renews the protection for another period: only after an activity on the
    customer since it began or was last renewed (400 `registration_no_activity`)."""
    with transaction.atomic():
        locked = _locked(registration)
        _require_state(locked, S.PROTECTED)
        if locked.owner_id != by.pk:
            raise Forbidden(_("Only the holder renews a registration."))
        last = _latest_activity(locked.customer_id, locked.renewed_at)
        if last is None:
            text = _(
                "No activity on %(customer)s since %(since)s: record a visit, call or meeting "
                "first."
            ) % {
                "customer": locked.customer,
                "since": timezone.localtime(locked.renewed_at).date().isoformat(),
            }
            raise ValidationFailed(text, code="registration_no_activity", fields={"state": [text]})
        _renew(locked, by=by, last=last)
    locked.refresh_from_db()
    return locked


def _renew(locked: CustomerRegistration, *, by: User | None, last: dt.datetime) -> None:
    before = locked.protected_until
    locked.protected_until = registration_period_end()
    locked.renewed_at = timezone.now()
    locked.last_activity_at = last
    transition_run(
        locked,
        "renew",
        by=by,
        internal=True,
        check_policy=by is not None,
        update_fields=["protected_until", "renewed_at", "last_activity_at"],
        changes={"protected_until": [before.isoformat(), locked.protected_until.isoformat()]},
    )
    _record_on_customer(locked, "registration.renewed", by=by, until=locked.protected_until)


def registration_release(*, registration: CustomerRegistration, by: User) -> CustomerRegistration:
    """The holder, or a manager over the registration, gives the protection back."""
    with transaction.atomic():
        locked = _locked(registration)
        _require_state(locked, S.PROTECTED)
        manager = policy.may(by, "registrations.rule", locked) and policy.can(by, locked, "change")
        if locked.owner_id != by.pk and not manager:
            raise Forbidden(_("Only the holder or their manager releases a registration."))
        locked.ended_at = timezone.now()
        transition_run(
            locked, "release", by=by, internal=True, check_policy=False, update_fields=["ended_at"]
        )
        _record_on_customer(locked, "registration.ended", by=by, comment=_ended(locked))
        if locked.owner_id != by.pk:
            notify(
                recipients=[locked.owner],
                kind="registration.ended",
                target=locked,
                message=message("registration.released", what=str(locked), by=str(by)),
            )
    locked.refresh_from_db()
    return locked


def registration_rule(
    *,
    registration: CustomerRegistration,
    by: User,
    award: str,
    comment: str,
) -> CustomerRegistration:
    """A sales manager over the registration (and over the one holding protection, to take it
    away) rules a contested registration: `award` "challenger" protects it and rejects the
    holder's; "holder" rejects it. The comment is required and kept on both timelines."""
    comment = (comment or "").strip()
    if award not in RegistrationAward.values:
        raise ValidationFailed(
            _("Not a valid choice."), fields={"award": [_("Not a valid choice.")]}
        )
    with transaction.atomic():
        locks.hold(REGISTRATION_LOCK, str(registration.customer_id))
        locked = _locked(registration)
        if not policy.may(by, "registrations.rule", locked) or not policy.can(by, locked, "change"):
            raise Forbidden(_("Only a sales manager over this registration's unit rules on it."))
        _require_state(locked, S.PENDING_RULING)
        if not comment:
            raise ValidationFailed(
                _("Say why (a comment is required)."), fields={"comment": [_("Required.")]}
            )
        holder = _locked(locked.competing) if locked.competing_id else None
        now = timezone.now()
        locked.ruled_by, locked.ruled_at, locked.ruling_comment = by, now, comment
        ruling = ["ruled_by", "ruled_at", "ruling_comment"]
        if award == RegistrationAward.HOLDER:
            locked.ended_at = now
            transition_run(
                locked,
                "reject",
                by=by,
                comment=comment,
                internal=True,
                update_fields=[*ruling, "ended_at"],
            )
            winner = holder
        else:
            if holder is not None and holder.state == S.PROTECTED:
                if not policy.can(by, holder, "change"):
                    raise Forbidden(
                        _("%(holder)s's protection is outside your unit; ask a manager over both.")
                        % {"holder": holder.owner}
                    )
                holder.ended_at = now
                transition_run(
                    holder,
                    "reject",
                    by=by,
                    comment=comment,
                    internal=True,
                    update_fields=["ended_at"],
                )
                _record_on_customer(holder, "registration.ended", by=by, comment=_ended(holder))
            other = registration_holder(
                customer=locked.customer, project=locked.project, exclude_pk=locked.pk
            )
            if other is not None:
                raise _conflict_error(other)
            locked.protected_until = registration_period_end()
            locked.renewed_at = now
            locked.last_activity_at = _latest_activity(locked.customer_id, None)
            transition_run(
                locked,
                "award",
                by=by,
                comment=comment,
                internal=True,
                update_fields=[*ruling, "protected_until", "renewed_at", "last_activity_at"],
            )
            winner = locked
        _record_on_customer(
            locked,
            "registration.ruled",
            by=by,
            comment=comment,
            awarded_to=winner.holder_name if winner is not None else "",
        )
        recipients = [locked.owner, *([holder.owner] if holder is not None else [])]
        notify(
            recipients=recipients,
            kind="registration.ruled",
            target=locked.customer,
            exclude=by,
            message=message(
                "registration.ruled",
                what=str(locked),
                winner=winner.holder_name if winner is not None else "—",
            ),
            body=comment,
        )
    locked.refresh_from_db()
    return locked


def registration_expire(*, registration_id: int) -> str:
    """The system's end of one protection past its date, run by the hourly job: renewed when
    the account was worked since the protection began or was renewed, else expired and the
    holder told. Each once: the state change under the row lock is the claim, so a second run
    (or a concurrent one) finds nothing to do. Returns "expired", "renewed" or "skipped"."""
    today = timezone.localdate()
    with transaction.atomic():
        locked = (
            CustomerRegistration.objects.select_for_update()
            .select_related("customer", "owner")
            .filter(pk=registration_id, state=S.PROTECTED, protected_until__lt=today)
            .first()
        )
        if locked is None:
            return "skipped"
        last = _latest_activity(locked.customer_id, locked.renewed_at)
        if last is not None:
            _renew(locked, by=None, last=last)
            return "renewed"
        locked.ended_at = timezone.now()
        transition_run(
            locked, "expire", by=None, internal=True, check_policy=False, update_fields=["ended_at"]
        )
        _record_on_customer(locked, "registration.ended", by=None, comment=_ended(locked))
        notify(
            recipients=[locked.owner],
            kind="registration.ended",
            target=locked,
            email=True,
            message=message(
                "registration.expired", what=str(locked), until=day(locked.protected_until)
            ),
        )
    return "expired"


def registrations_due() -> list[int]:
    """Ids of the protections past their date (the hourly job's work list)."""
    return list(
        CustomerRegistration.objects.filter(
            Q(state=S.PROTECTED), protected_until__lt=timezone.localdate()
        )
        .order_by("pk")
        .values_list("pk", flat=True)
    )

"""Writes on bids: preparing the tender response (sections with owners, a checklist, the
approved quote), submitting it, and the deadline reminders."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from core import policy
from core.audit import audit_record
from core.choices import GateKind, TriangleRole
from core.errors import Conflict, Forbidden, ValidationFailed
from core.fsm import transition_run
from core.gates import has_go
from core.messages import label, labels, message, moment
from core.notifications import notify
from core.records import insert_once, record_create, record_update

from ..choices import (
    DEFAULT_BID_CHECKLIST,
    BidSectionKind,
    BidSectionStatus,
    BidState,
    QuoteState,
    Stage,
)
from ..models import Bid, BidChecklistItem, BidReminder, BidSection, Opportunity, Quote

#: Which iron-triangle seat writes each section by default.
SECTION_SEATS = {
    BidSectionKind.COMMERCIAL: TriangleRole.AR,
    BidSectionKind.TECHNICAL: TriangleRole.SR,
    BidSectionKind.DELIVERY: TriangleRole.FR,
    BidSectionKind.ASSEMBLY: TriangleRole.AR,
}
BID_STAGES = (Stage.GUIDING, Stage.BIDDING)


def reminder_days() -> list[int]:
    """Days before the deadline at which the bid's people are reminded (largest first)."""
    return sorted(getattr(settings, "OPPORTUNITIES_BID_REMINDER_DAYS", (7, 3, 1)), reverse=True)


def _check_change(by: User, bid_or_opportunity) -> None:
    if not policy.can(by, bid_or_opportunity, "change"):
        raise Forbidden(_("You may not change this bid."))


def _check_preparing(bid: Bid) -> None:
    if bid.state != BidState.PREPARING:
        raise Conflict(
            _("The bid is %(state)s; it cannot change any more.")
            % {"state": bid.get_state_display()},
            code="bid_closed",
        )


def _may_own(user: User | None, opportunity: Opportunity) -> bool:
    """A section owner must be able to work on the opportunity: on its team, or a manager."""
    if user is None:
        return True
    return bool(opportunity.team.roles_of(user)) or (
        user.is_manager and policy.can(user, opportunity, "view")
    )


def _check_quote(quote: Quote | None, opportunity: Opportunity, field: str = "quote") -> None:
    if quote is None:
        return
    if quote.opportunity_id != opportunity.pk:
        raise ValidationFailed(
            _("That quote belongs to another opportunity."), fields={field: [_("Not this deal.")]}
        )
    state = Quote.objects.filter(pk=quote.pk).values_list("state", flat=True).first()
    if state != QuoteState.APPROVED:
        message = (
            _("This quote is waiting for special-price approval.")
            if state == QuoteState.PENDING_APPROVAL
            else _("Only an approved quote can go into a bid.")
        )
        raise ValidationFailed(message, code="quote_not_approved", fields={field: [message]})


def bid_create(*, opportunity: Opportunity, by: User, data: dict[str, Any]) -> Bid:
    """Start the bid once the tender is out (guiding or bidding): its four sections go to the
    iron triangle's seats (the assembly to the bid office when named), with the standard
    checklist."""
    _check_change(by, opportunity)
    if opportunity.state not in BID_STAGES:
        raise Conflict(_("A bid is prepared while guiding or bidding."), code="bid_wrong_stage")

    def refuse_second_bid():
        if Bid.objects.filter(opportunity=opportunity).exists():
            message = _("This opportunity already has a bid.")
            raise ValidationFailed(message, code="bid_exists", fields={"opportunity": [message]})

    refuse_second_bid()
    data = dict(data)
    bid_office = data.pop("bid_office", None)
    if not _may_own(bid_office, opportunity):
        raise ValidationFailed(
            _("Add the bid office to the team first."),
            fields={"bid_office": [_("Not on this opportunity's team.")]},
        )
    deadline = data.get("deadline")
    if deadline is None:
        raise ValidationFailed(_("When is the deadline?"), fields={"deadline": [_("Required.")]})
    if deadline <= timezone.now():
        raise ValidationFailed(
            _("The deadline must be in the future."), fields={"deadline": [_("Already past.")]}
        )
    _check_quote(data.get("quote"), opportunity)
    with transaction.atomic():
        bid = insert_once(  # one bid per opportunity: a unique constraint
            lambda: record_create(Bid, by=by, data={**data, "opportunity": opportunity}),
            refuse=refuse_second_bid,
        )
        team = opportunity.team
        BidSection.objects.bulk_create(
            BidSection(
                bid=bid,
                kind=kind,
                owner=(bid_office if kind == BidSectionKind.ASSEMBLY and bid_office else None)
                or team.seat(seat),
                due_at=deadline - dt.timedelta(days=1),
            )
            for kind, seat in SECTION_SEATS.items()
        )
        BidChecklistItem.objects.bulk_create(
            BidChecklistItem(bid=bid, position=i, text=str(text))
            for i, text in enumerate(DEFAULT_BID_CHECKLIST, start=1)
        )
        notify(
            recipients=[s.owner for s in bid.sections.select_related("owner")],
            kind="bid.section_assigned",
            exclude=by,
            message=message(
                "bid.section_assigned", opportunity=str(opportunity), deadline=moment(deadline)
            ),
            url=bid.get_absolute_url(),
            target=bid,
        )
    return bid


def bid_update(
    *, bid: Bid, by: User, data: dict[str, Any], expected_version: int | None = None
) -> Bid:
    """Change the deadline, tender reference or the quote in the bid (approved quotes only)."""
    _check_change(by, bid)
    _check_preparing(bid)
    data = {k: v for k, v in data.items() if k in ("deadline", "tender_reference", "quote")}
    if "quote" in data:
        _check_quote(data["quote"], bid.opportunity)
    return record_update(bid, by=by, data=data, expected_version=expected_version)


def bid_section_update(*, section: BidSection, by: User, data: dict[str, Any]) -> BidSection:
    """Update a section: its owner may change the status and notes; whoever may change the
    opportunity may also reassign it or move its due date."""
    bid = section.bid
    data = {k: v for k, v in data.items() if k in ("owner", "status", "notes", "due_at")}
    may_change = policy.can(by, bid, "change")
    if not may_change:
        if section.owner_id != by.pk:
            raise Forbidden(_("Only the section's owner or the team may update it."))
        if {"owner", "due_at"} & set(data):
            raise Forbidden(_("Only the team may reassign a section or move its due date."))
    _check_preparing(bid)  # after the access check: who may not change it learns nothing more
    if "owner" in data and not _may_own(data["owner"], bid.opportunity):
        raise ValidationFailed(
            _("Add them to the opportunity's team first."),
            fields={"owner": [_("Not on this opportunity's team.")]},
        )
    if "status" in data:
        data["completed_at"] = timezone.now() if data["status"] == BidSectionStatus.DONE else None
    with transaction.atomic():
        previous_owner = section.owner
        section = record_update(section, by=by, data=data)
        if section.owner is not None and section.owner != previous_owner:
            notify(
                recipients=[section.owner],
                kind="bid.section_assigned",
                exclude=by,
                message=message(
                    "bid.section_reassigned",
                    section=label(BidSectionKind, section.kind),
                    opportunity=str(bid.opportunity),
                ),
                url=bid.get_absolute_url(),
                target=bid,
            )
    return section


def bid_checklist_add(*, bid: Bid, by: User, text: str, required: bool = True) -> BidChecklistItem:
    _check_change(by, bid)
    _check_preparing(bid)
    if not (text or "").strip():
        raise ValidationFailed(_("Say what to check."), fields={"text": [_("Required.")]})
    position = bid.checklist.order_by("-position").values_list("position", flat=True).first() or 0
    return record_create(
        BidChecklistItem,
        by=by,
        data={
            "bid": bid,
            "text": text.strip()[:255],
            "required": required,
            "position": position + 1,
        },
    )


def bid_checklist_check(*, item: BidChecklistItem, by: User, done: bool) -> BidChecklistItem:
    """Tick or untick an item: anyone on the team or a section owner of this bid."""
    bid = item.bid
    _check_preparing(bid)
    if not (policy.can(by, bid, "change") or bid.sections.filter(owner=by).exists()):
        raise Forbidden(_("Only the team or a section owner may tick the checklist."))
    return record_update(
        item,
        by=by,
        data={
            "done": done,
            "done_by": by if done else None,
            "done_at": timezone.now() if done else None,
        },
    )


def bid_checklist_remove(*, item: BidChecklistItem, by: User) -> None:
    bid = item.bid
    _check_change(by, bid)
    _check_preparing(bid)
    with transaction.atomic():
        audit_record(target=bid, action="bid.checklist_removed", actor=by, comment=item.text)
        item.delete()


def bid_readiness(bid: Bid) -> dict[str, list[str]]:
    """What keeps the bid from being complete (empty when it is): every section done, every
    required checklist item ticked, an approved quote in it."""
    missing: dict[str, list[str]] = {}
    open_sections = [
        s.get_kind_display() for s in bid.sections.all() if s.status != BidSectionStatus.DONE
    ]
    if open_sections:
        missing["sections"] = [
            _("Sections not done: %(sections)s.") % {"sections": ", ".join(open_sections)}
        ]
    unchecked = [i.text for i in bid.checklist.all() if i.required and not i.done]
    if unchecked:
        missing["checklist"] = [
            _("Checklist items open: %(items)s.") % {"items": "; ".join(unchecked)}
        ]
    if bid.quote_id is None:
        missing["quote"] = [_("Put the approved quote into the bid.")]
    elif bid.quote.state != QuoteState.APPROVED:
        missing["quote"] = [_("The quote in the bid is no longer the approved one.")]
    return missing


def bid_submit(*, bid: Bid, by: User, notes: str = "") -> Bid:
    """Record that the bid went in: after the ATB review said go, complete, before the
    deadline. The team is told."""
    _check_change(by, bid)
    bid.refresh_from_db()  # judge what is stored, not a caller's stale copy
    _check_preparing(bid)
    opportunity = bid.opportunity
    problems = bid_readiness(bid)
    if not has_go(opportunity, GateKind.ATB):
        problems.setdefault("gate", []).append(_("The ATB review has not decided go."))
    if bid.deadline < timezone.now():
        problems.setdefault("deadline", []).append(_("The deadline has passed."))
    if problems:
        raise Conflict(
            "; ".join(m for ms in problems.values() for m in ms),
            code="bid_not_ready",
            fields=problems,
        )
    with transaction.atomic():
        bid.submitted_at, bid.submitted_by, bid.submission_notes = timezone.now(), by, notes
        transition_run(bid, "submit", by=by, comment=notes, internal=True)
        notify(
            recipients=[m.user for m in opportunity.team.members.all()],
            kind="bid.submitted",
            exclude=by,
            message=message("bid.submitted", opportunity=str(opportunity)),
            url=bid.get_absolute_url(),
            target=bid,
        )
    return bid


def bid_send_reminders(*, now: dt.datetime | None = None) -> int:
    """Remind the people of every bid in preparation whose deadline is near.

    For each bid, the smallest reminder window (e.g. 1, 3 or 7 days) the deadline falls in is
    sent once: a `BidReminder` row per (bid, window) is claimed first, so a rerun, a second
    worker or a redelivered task sends nothing twice; the larger windows are marked too, so a
    bid started late does not get three reminders at once.
    """
    now = now or timezone.now()
    windows = reminder_days()
    if not windows:
        return 0
    sent = 0
    due = (
        Bid.objects.filter(
            state=BidState.PREPARING,
            deadline__gt=now,
            deadline__lte=now + dt.timedelta(days=windows[0]),
        )
        .select_related("opportunity__owner")
        .prefetch_related("sections__owner", "opportunity__team__members__user")
    )
    for bid in due.iterator(chunk_size=200):
        left = bid.deadline - now
        window = min(d for d in windows if left <= dt.timedelta(days=d))
        kinds = [f"{d}d" for d in windows if d >= window]
        try:
            with transaction.atomic():
                BidReminder.objects.create(bid=bid, kind=f"{window}d")
                BidReminder.objects.bulk_create(
                    [BidReminder(bid=bid, kind=k) for k in kinds if k != f"{window}d"],
                    ignore_conflicts=True,
                )
                open_sections = [s for s in bid.sections.all() if s.status != BidSectionStatus.DONE]
                notify(
                    recipients=[
                        bid.opportunity.owner,
                        *(s.owner for s in open_sections),
                        *(
                            m.user
                            for m in bid.opportunity.team.members.all()
                            if m.role == TriangleRole.AR
                        ),
                    ],
                    kind="bid.deadline",
                    message=message(
                        "bid.deadline",
                        days=window,
                        opportunity=str(bid.opportunity),
                        deadline=moment(bid.deadline),
                        sections=labels(BidSectionKind, [s.kind for s in open_sections]),
                    ),
                    url=bid.get_absolute_url(),
                    target=bid,
                    email=True,
                )
        except IntegrityError:  # already sent by an earlier or concurrent run
            continue
        sent += 1
    return sent

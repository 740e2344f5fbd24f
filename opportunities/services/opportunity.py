"""Writes on opportunities: conversion from a lead, creation, edits, team, stage changes,
the board's moves and win/loss reasons."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import Contact, Customer, User
from accounts.services import customer_create, iron_triangle_create, record_team_set
from core import gates, hooks, policy
from core.audit import audit_record
from core.choices import GateKind, GateState
from core.errors import Conflict, Forbidden, TransitionNotAllowed, ValidationFailed
from core.fsm import meta_of, transition_run, transitions_of, unmet
from core.gates import gate_withdraw_open
from core.messages import message
from core.models import GateReview
from core.records import record_create, record_update
from leads.choices import LeadState
from leads.models import Lead

from ..choices import OPEN_STAGES, BidState, QuoteState, Stage, WinLossReason
from ..forecast import stage_probability
from ..models import Bid, Competitor, Opportunity, Quote
from .people import decision_chain_seed

#: The gate that guards entry into each gated stage (the board opens it instead of moving).
GATED_STAGES = {
    Stage.INITIATED: GateKind.ATI,
    Stage.BID_SUBMITTED: GateKind.ATB,
    Stage.WON: GateKind.ATC,
}
#: What an approved quote decides on the opportunity: not edited by hand while it stands.
QUOTED_FIELDS = ("amount", "currency", "margin_pct")
CLOSING = ("lose", "abandon")

CONVERTIBLE = (LeadState.VERIFIED, LeadState.DISTRIBUTED, LeadState.NURTURING)


def _customer_for(
    lead: Lead, *, by: User, customer: Customer | None, allow_duplicate: bool
) -> Customer:
    if customer is not None:
        return customer
    if lead.customer_id:
        return lead.customer
    # Filed where the lead is, with the lead's owner: the converter may change the lead.
    return customer_create(
        by=by,
        allow_duplicate=allow_duplicate,
        data={"name": lead.company_name, "owner": lead.owner, "org_unit": lead.org_unit},
        check_scope=False,
    )


def opportunity_create_from_lead(
    *,
    lead: Lead,
    by: User,
    sr: User | None = None,
    fr: User | None = None,
    customer: Customer | None = None,
    allow_duplicate_customer: bool = False,
    data: dict[str, Any] | None = None,
) -> Opportunity:
    """Convert a verified, owned lead (升级转化): the customer (and contact) are created when
    new, after a duplicate check; the lead's owner becomes the AR; the lead is linked and its
    history shows on the opportunity's timeline. The opportunity is filed where the lead is;
    what the converter chooses (an existing customer, the SR and FR) is held to their scope."""
    if not policy.can(by, lead, "change"):
        raise Forbidden(_("You may not convert this lead."))
    if customer is not None:
        policy.check_write_scope(Opportunity, by, {"customer": customer})
    missing = unmet(lead, "convert")
    if missing:
        raise TransitionNotAllowed(
            "; ".join(m for ms in missing.values() for m in ms), fields=missing
        )
    data = dict(data or {})
    with transaction.atomic():
        account = _customer_for(
            lead, by=by, customer=customer, allow_duplicate=allow_duplicate_customer
        )
        contact = lead.contact
        if contact is None and lead.contact_name:
            contact = Contact.objects.create(
                customer=account,
                name=lead.contact_name,
                phone=lead.contact_phone,
                email=lead.contact_email,
            )
        team = iron_triangle_create(ar=lead.owner, sr=sr, fr=fr, by=by, unit=lead.org_unit)
        opportunity = record_create(
            Opportunity,
            by=by,
            check_scope=False,
            data={
                "name": data.pop("name", "") or lead.title,
                "customer": account,
                "lead": lead,
                "owner": lead.owner,
                "org_unit": lead.org_unit,
                "team": team,
                "description": lead.need,
                "amount": lead.estimated_amount or 0,
                "currency": lead.currency,
                "expected_close_date": lead.expected_close_date,
                "probability_pct": stage_probability(lead.org_unit, Stage.IDENTIFIED),
                **data,
            },
        )
        if lead.customer_id != account.pk or (contact and lead.contact_id != contact.pk):
            record_update(
                lead, by=by, data={"customer": account, "contact": contact}, check_scope=False
            )
        transition_run(
            lead,
            "convert",
            by=by,
            internal=True,
            comment=message("note.converted", opp=opportunity.number),
        )
        audit_record(
            target=opportunity, action="lead.converted", actor=by, changes={"lead": lead.pk}
        )
        decision_chain_seed(opportunity=opportunity, by=by)
        hooks.emit("lead.converted", lead=lead, opportunity=opportunity, by=by)
    return opportunity


def opportunity_create(
    *, by: User, data: dict[str, Any], sr: User | None = None, fr: User | None = None
) -> Opportunity:
    """Create an opportunity directly (no lead): the creator is the AR unless told otherwise.
    Its unit, AR, customer and seats are held to the creator's scope (the access policy)."""
    data = dict(data)
    owner = data.setdefault("owner", by)
    data.setdefault("org_unit", owner.org_unit)
    if data["org_unit"] is None:
        raise ValidationFailed(_("Choose the org unit."), fields={"org_unit": [_("Required.")]})
    data["probability_pct"] = stage_probability(data["org_unit"], Stage.IDENTIFIED)
    with transaction.atomic():
        data["team"] = iron_triangle_create(ar=owner, sr=sr, fr=fr, by=by, unit=data["org_unit"])
        opportunity = record_create(Opportunity, by=by, data=data)
        decision_chain_seed(opportunity=opportunity, by=by)
    return opportunity


def opportunity_update(
    *, opportunity: Opportunity, by: User, data: dict[str, Any], expected_version: int | None = None
) -> Opportunity:
    """Edit an opportunity. While a quote is approved, the amount, currency and margin are the
    quote's (a new quote version changes them); closed opportunities are not edited."""
    if not opportunity.is_open:
        raise Conflict(_("A closed opportunity cannot be edited."), code="opportunity_closed")
    quote = Quote.objects.filter(opportunity=opportunity, state=QuoteState.APPROVED).first()
    if quote is not None:
        quoted = {
            name: [_("Set by the approved quote %(quote)s.") % {"quote": quote}]
            for name in QUOTED_FIELDS
            if name in data and data[name] != getattr(opportunity, name)
        }
        if quoted:
            raise ValidationFailed(
                _("The approved quote sets the amount, currency and margin."), fields=quoted
            )
    return record_update(opportunity, by=by, data=data, expected_version=expected_version)


def opportunity_team_set(
    *,
    opportunity: Opportunity,
    by: User,
    seats: dict[str, User | None],
    members: list[User] | None = None,
) -> Opportunity:
    """Change the iron triangle (accounts.services.record_team_set says who may)."""
    return record_team_set(record=opportunity, by=by, seats=seats, members=members)


def _close_reason(
    name: str, reason_code: str | None, lost_to: Competitor | None
) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if reason_code and reason_code not in WinLossReason.values:
        errors["reason_code"] = [_("Not a known reason.")]
    elif name in CLOSING and not reason_code:
        errors["reason_code"] = [_("Choose why, so win/loss can be reported.")]
    if lost_to is not None and name != "lose":
        errors["lost_to"] = [_("Only a lost opportunity is lost to a competitor.")]
    return errors


def opportunity_transition(
    *,
    opportunity: Opportunity,
    name: str,
    by: User,
    reason: str = "",
    comment: str = "",
    internal: bool = False,
    reason_code: str | None = None,
    lost_to: Competitor | None = None,
) -> Opportunity:
    """Run a stage transition. Losing or abandoning needs a reason code (and text) for the
    win/loss report; a lost deal may name the competitor it went to. The win probability
    follows the new stage; leaving the open stages withdraws any open gate review and cancels
    a bid still in preparation."""
    errors = _close_reason(name, reason_code, lost_to)
    if errors:
        raise ValidationFailed(_("The win/loss reason is not valid."), fields=errors)
    source = opportunity.state
    with transaction.atomic():
        if reason_code:
            opportunity.close_reason_code = reason_code
        if lost_to is not None:
            opportunity.lost_to = lost_to
        transition_run(
            opportunity,
            name,
            by=by,
            reason=reason,
            comment=comment,
            internal=internal,
            check_policy=not internal,
        )
        opportunity.probability_pct = stage_probability(opportunity.org_unit, opportunity.state)
        Opportunity.objects.filter(pk=opportunity.pk).update(
            probability_pct=opportunity.probability_pct
        )
        if not opportunity.is_open:
            gate_withdraw_open(opportunity, by=by, reason=reason)
            _cancel_bid(opportunity, by=by, reason=reason)
        hooks.emit(
            "opportunity.stage_changed",
            opportunity=opportunity,
            from_state=source,
            to_state=opportunity.state,
            by=by,
        )
    return opportunity


def _cancel_bid(opportunity: Opportunity, *, by: User, reason: str) -> None:
    bid = Bid.objects.filter(opportunity=opportunity, state=BidState.PREPARING).first()
    if bid is not None:
        transition_run(bid, "cancel", by=by, comment=reason, internal=True, check_policy=False)


def _transition_into(opportunity: Opportunity, stage: str) -> str | None:
    """The name of a transition users may run from the current stage into `stage`."""
    for name in transitions_of(Opportunity):
        meta = meta_of(opportunity, name)
        if meta is not None and meta.target == stage and not meta.custom.get("internal"):
            return name
    return None


@dataclass(frozen=True)
class MoveResult:
    """What a board move did: "moved", "review_opened", "review_open" (already) or "none"."""

    outcome: str
    opportunity: Opportunity
    review: GateReview | None = None


def opportunity_move(*, opportunity: Opportunity, stage: str, by: User) -> MoveResult:
    """Move a card on the pipeline board into `stage`.

    Into a gated stage (initiated, bid submitted, won) this opens that gate's review instead,
    or returns the one already open: only its "go" moves the opportunity. Otherwise it runs the
    user transition into that stage. Losing and abandoning need a reason: not a board move.
    """
    if stage not in Stage.values:
        raise ValidationFailed(_("Unknown stage."), fields={"stage": [_("Unknown stage.")]})
    if stage == opportunity.state:
        return MoveResult("none", opportunity)
    if not policy.can(by, opportunity, "change"):
        raise Forbidden(_("You may not change this record."))
    kind = GATED_STAGES.get(stage)
    if kind is not None and opportunity.state in OPEN_STAGES:
        open_review = gates.reviews_of(opportunity).filter(kind=kind, state=GateState.OPEN)
        existing = open_review.first()
        if existing is not None:
            return MoveResult("review_open", opportunity, existing)
        try:
            review = gates.gate_open(subject=opportunity, kind=kind, by=by)
        except Conflict as exc:  # a colleague's move opened it a moment ago
            if exc.code != "gate_open" or (existing := open_review.first()) is None:
                raise
            return MoveResult("review_open", opportunity, existing)
        return MoveResult("review_opened", opportunity, review)
    name = _transition_into(opportunity, stage)
    if name is None:
        raise TransitionNotAllowed(
            _("“%(from)s” cannot move to “%(to)s” on the board.")
            % {"from": opportunity.get_state_display(), "to": Stage(stage).label},
            fields={"stage": [_("Not reachable from the current stage.")]},
        )
    meta = meta_of(opportunity, name)
    if meta.custom.get("reason_required"):
        raise ValidationFailed(
            _("“%(label)s” needs a reason: use the opportunity page.")
            % {"label": meta.custom.get("label")},
            fields={"stage": [_("A reason is required.")]},
        )
    opportunity_transition(opportunity=opportunity, name=name, by=by)
    return MoveResult("moved", opportunity)


def opportunity_close_reason_set(
    *,
    opportunity: Opportunity,
    by: User,
    reason_code: str,
    reason: str = "",
    lost_to: Competitor | None = None,
) -> Opportunity:
    """Record or correct why a closed opportunity was won, lost or abandoned (the AR or a
    manager, after the fact: a win is decided at ATC, its reasons are written afterwards)."""
    if opportunity.is_open:
        raise Conflict(
            _("Win/loss reasons are recorded when the opportunity closes."), code="still_open"
        )
    if not policy.can(by, opportunity, "change"):
        raise Forbidden(_("You may not change this record."))
    errors = _close_reason("lose" if opportunity.state == Stage.LOST else "", reason_code, lost_to)
    if not reason_code:
        errors.setdefault("reason_code", [_("Required.")])
    if errors:
        raise ValidationFailed(_("The win/loss reason is not valid."), fields=errors)
    data = {"close_reason_code": reason_code, "lost_to": lost_to}
    if reason:
        data["close_reason"] = reason
    return record_update(opportunity, by=by, data=data)

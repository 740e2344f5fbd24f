"""Writes on splits: the company's default (administrators, audited with before and after) and
a deal's own split, asked for through the `credit_split` approval chain. Until the chain
approves it, the split in force stays; once approved, the deal's contract is re-credited."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from core import policy
from core.approvals.choices import ApprovalKind, ApprovalState
from core.approvals.engine import request_start
from core.audit import audit_record, diff, snapshot
from core.choices import TriangleRole
from core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from opportunities.models import Opportunity

from ..choices import CreditSeat, SplitState
from ..models import CreditSplit, CreditSplitDefault
from ..shares import HUNDRED
from .credits import credit_contract

DEFAULT_FIELDS = ["ar_pct", "sr_pct", "fr_pct", "partner_pct"]
TRIANGLE_SEATS = {
    CreditSeat.AR: TriangleRole.AR,
    CreditSeat.SR: TriangleRole.SR,
    CreditSeat.FR: TriangleRole.FR,
}


def _percent(value, field: str, errors: dict) -> Decimal | None:
    try:
        pct = Decimal(str(value).strip())
        if not pct.is_finite() or pct != pct.quantize(Decimal("0.01")):
            raise InvalidOperation
    except (InvalidOperation, TypeError, ValueError):
        errors[field] = [_("Enter a percentage with at most two decimals.")]
        return None
    if not 0 <= pct <= 100:
        errors[field] = [_("A share is between 0 and 100 percent.")]
        return None
    return pct.quantize(Decimal("0.01"))


def credit_default_set(*, by: User, data: dict[str, Any]) -> CreditSplitDefault:
    """Set the company's default split: the four shares, each 0–100, summing to exactly 100."""
    if not policy.may(by, "settings.change"):
        raise Forbidden(_("Only an administrator sets the default credit split."))
    errors: dict[str, list[str]] = {}
    values = {name: _percent(data.get(name), name, errors) for name in DEFAULT_FIELDS}
    if not errors and sum(values.values()) != HUNDRED:
        errors["non_field_errors"] = [
            _("The shares add up to %(sum)s%%; they must add up to exactly 100%%.")
            % {"sum": sum(values.values())}
        ]
    if errors:
        raise ValidationFailed(_("The default credit split is not valid."), fields=errors)
    with transaction.atomic():
        row, _created = CreditSplitDefault.objects.get_or_create(company=True)
        row = CreditSplitDefault.objects.select_for_update().get(pk=row.pk)
        before = snapshot(row, DEFAULT_FIELDS)
        for name, value in values.items():
            setattr(row, name, value)
        after = snapshot(row, DEFAULT_FIELDS)
        if before == after and not _created:
            return row
        row.updated_by = by
        row.version += 1
        row.save()
        audit_record(
            target=row, action="credit_default.changed", actor=by, changes=diff(before, after)
        )
    return row


def _seat_holders(opportunity: Opportunity) -> dict[str, set[int]]:
    teams = [opportunity.team]
    contract = getattr(opportunity, "contract", None)
    if contract is not None:
        teams.append(contract.team)
    holders: dict[str, set[int]] = {seat: set() for seat in TRIANGLE_SEATS}
    for team in teams:
        for member in team.members.all():
            for seat, role in TRIANGLE_SEATS.items():
                if member.role == role:
                    holders[seat].add(member.user_id)
    return holders


def _share_errors(by: User, opportunity: Opportunity, raw, errors: dict) -> list[dict]:
    """The shares, checked: a seat each, a person on that seat (or the partner's manager, or a
    colleague `by` may put on the deal), 0–100 each, one line per person and seat, sum 100."""
    if not isinstance(raw, list) or not raw:
        errors["shares"] = [_("Give at least one share.")]
        return []
    holders = _seat_holders(opportunity)
    partner = opportunity.partner
    shares, seen = [], set()
    for index, item in enumerate(raw):
        field = f"shares.{index}"
        if not isinstance(item, dict):
            errors[field] = [_("A share is an object with user, seat and pct.")]
            continue
        seat = item.get("seat")
        if seat not in CreditSeat.values:
            errors[f"{field}.seat"] = [_("Choose ar, sr, fr, partner or other.")]
            continue
        pct = _percent(item.get("pct"), f"{field}.pct", errors)
        try:
            user = User.objects.filter(pk=int(item.get("user")), is_active=True).first()
        except (TypeError, ValueError):
            user = None
        if user is None:
            errors[f"{field}.user"] = [_("No such active person.")]
            continue
        if seat in TRIANGLE_SEATS and user.pk not in holders[seat]:
            errors[f"{field}.user"] = [_("This person does not hold that seat on the deal.")]
        elif seat == CreditSeat.PARTNER and (partner is None or partner.manager_id != user.pk):
            errors[f"{field}.user"] = [_("Only the deal's partner manager takes a partner share.")]
        elif seat == CreditSeat.OTHER and not policy.may_seat(by, user, opportunity.org_unit):
            errors[f"{field}.user"] = [_("Not a colleague you may put on this deal.")]
        if (user.pk, seat) in seen:
            errors[f"{field}.user"] = [_("This person already has a share on that seat.")]
        seen.add((user.pk, seat))
        if pct is not None:
            shares.append({"user": user.pk, "seat": seat, "pct": str(pct)})
    if not errors and sum(Decimal(s["pct"]) for s in shares) != HUNDRED:
        errors["shares"] = [
            _("The shares add up to %(sum)s%%; they must add up to exactly 100%%.")
            % {"sum": sum(Decimal(s["pct"]) for s in shares)}
        ]
    return shares


def credit_split_request(*, by: User, opportunity, shares, reason: str = "") -> CreditSplit:
    """Ask for a deal's own split; it waits for the `credit_split` chain (by default the
    nearest sales manager above the deal) and the split in force stays until it is approved.
    One request at a time per deal (409 `credit_split_open`)."""
    if not isinstance(opportunity, Opportunity):
        try:
            opportunity = policy.restrict(Opportunity.objects.all(), by).get(pk=int(opportunity))
        except (Opportunity.DoesNotExist, TypeError, ValueError):
            raise ValidationFailed(
                _("The credit split is not valid."), fields={"opportunity": [_("No such record.")]}
            ) from None
    if not policy.can(by, opportunity, "view"):
        raise NotFound(_("No such record."))
    if not policy.can(by, opportunity, "change"):
        raise Forbidden(_("You may not change this record."))
    errors: dict[str, list[str]] = {}
    checked = _share_errors(by, opportunity, shares, errors)
    if not (reason or "").strip():
        errors["reason"] = [_("Say why the deal needs its own split.")]
    if errors:
        raise ValidationFailed(_("The credit split is not valid."), fields=errors)
    try:
        with transaction.atomic():
            split = CreditSplit.objects.create(
                opportunity=opportunity, shares=checked, reason=reason.strip(), requested_by=by
            )
            audit_record(
                target=opportunity,
                action="credit_split.requested",
                actor=by,
                changes={"split": split.pk, "shares": checked},
            )
            request_start(
                kind=ApprovalKind.CREDIT_SPLIT,
                subject=split,
                requester=by,
                org_unit=opportunity.org_unit,
                facts={"amount": str(opportunity.amount), "currency": opportunity.currency},
                title=str(opportunity)[:255],
            )
    except IntegrityError as exc:
        raise Conflict(
            _("A credit split for this deal is already waiting for approval."),
            code="credit_split_open",
        ) from exc
    return CreditSplit.objects.get(pk=split.pk)


ENDED = {
    ApprovalState.APPROVED: (SplitState.APPROVED, "credit_split.approved"),
    ApprovalState.REJECTED: (SplitState.REJECTED, "credit_split.rejected"),
    ApprovalState.WITHDRAWN: (SplitState.WITHDRAWN, "credit_split.withdrawn"),
}


def credit_split_ended(request, split: CreditSplit, by, comment) -> None:
    """The chain ended (in the decision's transaction): approved, the split comes into force
    (the one before it superseded) and the deal's contract is re-credited; rejected or
    withdrawn, it is closed and nothing changes. Sent back, it waits for the resubmission."""
    if request.state not in ENDED:
        return
    locked = CreditSplit.objects.select_for_update().get(pk=split.pk)
    if locked.state != SplitState.PENDING:
        return
    state, action = ENDED[request.state]
    if state == SplitState.APPROVED:
        # The split in force (one per deal) gives way: saved row by row, not by .update()
        # (ADR 3), so its version moves as any change's does.
        for earlier in CreditSplit.objects.select_for_update().filter(
            opportunity_id=locked.opportunity_id, state=SplitState.APPROVED
        ):
            earlier.state = SplitState.SUPERSEDED
            earlier.version += 1
            earlier.save(update_fields=["state", "version", "updated_at"])
    locked.state, locked.decided_at = state, timezone.now()
    locked.version += 1
    locked.save(update_fields=["state", "decided_at", "version", "updated_at"])
    audit_record(
        target=locked.opportunity,
        action=action,
        actor=by,
        comment=comment or "",
        changes={"split": locked.pk, "shares": locked.shares},
    )
    contract = getattr(locked.opportunity, "contract", None)
    if state == SplitState.APPROVED and contract is not None:
        credit_contract(contract.pk)

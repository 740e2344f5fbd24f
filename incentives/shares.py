"""Who gets which share of a deal's credit, and how an amount is split among them exactly.

Rounding (ADR 23): largest remainder. Every share's part is first rounded down to the cent;
the cents left over go one each to the shares with the largest remainders (ties: the order of
the split, AR first). The parts always sum exactly to the whole."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from decimal import ROUND_FLOOR, Decimal

from core.choices import TriangleRole

from .choices import CreditSeat, SplitState
from .models import CreditSplit, CreditSplitDefault

HUNDRED = Decimal("100")
SEAT_ORDER = [CreditSeat.AR, CreditSeat.SR, CreditSeat.FR, CreditSeat.PARTNER, CreditSeat.OTHER]


@dataclass(frozen=True)
class Share:
    user_id: int
    seat: str
    pct: Decimal


def split_amount(total: Decimal, pcts: list[Decimal]) -> list[Decimal]:
    """`total` split by `pcts` (summing to 100) by largest remainder, to the cent."""
    cents = int((Decimal(total) * 100).to_integral_value())
    exact = [Decimal(cents) * Decimal(p) / HUNDRED for p in pcts]
    floors = [int(x.to_integral_value(rounding=ROUND_FLOOR)) for x in exact]
    left = cents - sum(floors)
    order = sorted(range(len(pcts)), key=lambda i: (-(exact[i] - floors[i]), i))
    for i in order[:left]:
        floors[i] += 1
    return [Decimal(c) / 100 for c in floors]


def company_default() -> CreditSplitDefault:
    """The company's default split (the model's defaults until an administrator sets one)."""
    return CreditSplitDefault.objects.filter(company=True).first() or CreditSplitDefault()


def _merge(shares: list[Share]) -> list[Share]:
    merged: dict[tuple[int, str], Decimal] = {}
    for share in shares:
        if share.pct > 0:
            key = (share.user_id, share.seat)
            merged[key] = merged.get(key, Decimal("0")) + share.pct
    shares = [Share(user, seat, pct) for (user, seat), pct in merged.items()]
    return sorted(shares, key=lambda s: (SEAT_ORDER.index(s.seat), s.user_id))


def default_shares(*, team, owner_id: int, partner_manager_id: int | None) -> list[Share]:
    """The default split applied to a deal's seats: the partner's share to the AR when the deal
    has no partner; an empty seat's share to the AR; with no AR, to the deal's owner."""
    setting = company_default()
    seats = {m.role: m.user_id for m in team.members.all()} if team is not None else {}
    ar = seats.get(TriangleRole.AR) or owner_id
    wanted = [
        (CreditSeat.AR, ar, setting.ar_pct),
        (CreditSeat.SR, seats.get(TriangleRole.SR), setting.sr_pct),
        (CreditSeat.FR, seats.get(TriangleRole.FR), setting.fr_pct),
        (CreditSeat.PARTNER, partner_manager_id, setting.partner_pct),
    ]
    return _merge(
        [
            Share(user, seat, pct) if user else Share(ar, CreditSeat.AR, pct)
            for seat, user, pct in wanted
        ]
    )


def split_shares(split: CreditSplit) -> list[Share]:
    return _merge([Share(int(s["user"]), s["seat"], Decimal(s["pct"])) for s in split.shares])


def shares_for_contract(contract) -> list[Share]:
    """The split in force for a contract: its deal's approved split, else the default applied
    to the contract's iron triangle (the deal's partner's manager taking the partner share)."""
    opportunity = contract.opportunity
    if opportunity is not None:
        approved = CreditSplit.objects.filter(
            opportunity=opportunity, state=SplitState.APPROVED
        ).first()
        if approved is not None:
            return split_shares(approved)
    partner = opportunity.partner if opportunity is not None else None
    return default_shares(
        team=contract.team,
        owner_id=contract.owner_id,
        partner_manager_id=partner.manager_id if partner is not None else None,
    )


def fingerprint(*parts) -> str:
    """A short stable digest of what an event credits (so an unchanged event is left alone)."""
    text = json.dumps(parts, default=str, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:64]

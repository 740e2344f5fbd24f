"""Crediting bookings and collections to people by their shares (ADR 23).

A contract's events are its booking (its amount once signed, on its signing date; nothing
while a draft or once terminated) and each receipt allocation to one of its milestones (the
allocated amount, on the receipt's date; nothing once the allocation or receipt is reversed).
`credit_contract` brings the ledger in line with what each event should credit now, under a
lock on the contract row: an event not yet credited gets generation 1 (unique in the
database, so it is written exactly once however many workers race); an event whose credit
changed (a new split approved, the amount changed, a reversal) gets the next generation, which
reverses the previous lines and credits anew. Lines are never updated or deleted."""

from __future__ import annotations

from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import Exists, F, Max, OuterRef, Q, Subquery

from accounts.models import User
from contracts.choices import ContractState
from contracts.models import Contract
from receivables.choices import ReceiptState
from receivables.models import ReceiptAllocation

from ..choices import CreditKind
from ..models import CreditEvent, CreditLine
from ..shares import Share, fingerprint, shares_for_contract, split_amount

VOID = "void"


def _booking_due(contract: Contract) -> bool:
    return (
        contract.signed_on is not None
        and contract.state not in (ContractState.DRAFT, ContractState.TERMINATED)
        and contract.amount > 0
    )


def _write_lines(event: CreditEvent, shares: list[Share], credited_on, units: dict) -> None:
    parts = split_amount(event.amount, [share.pct for share in shares])
    CreditLine.objects.bulk_create(
        CreditLine(
            event=event,
            kind=event.kind,
            contract_id=event.contract_id,
            person_id=share.user_id,
            org_unit_id=units[share.user_id],
            seat=share.seat,
            pct=share.pct,
            amount=part,
            currency=event.currency,
            credited_on=credited_on,
        )
        for share, part in zip(shares, parts, strict=True)
        if part != 0
    )


def _reverse_lines(event: CreditEvent, previous: CreditEvent) -> None:
    CreditLine.objects.bulk_create(
        CreditLine(
            event=event,
            kind=line.kind,
            contract_id=line.contract_id,
            person_id=line.person_id,
            org_unit_id=line.org_unit_id,
            seat=line.seat,
            pct=line.pct,
            amount=-line.amount,
            currency=line.currency,
            credited_on=line.credited_on,
            reversal=True,
        )
        for line in previous.lines.filter(reversal=False)
    )


def _credit_event(
    *, kind: str, source_id: int, contract: Contract, due: tuple | None, shares, units
) -> CreditEvent | None:
    """Bring one event's credit in line with `due` ((amount, currency, date) or None)."""
    latest = (
        CreditEvent.objects.filter(kind=kind, source_id=source_id).order_by("-generation").first()
    )
    basis = VOID if due is None else fingerprint(*due, [s.__dict__ for s in shares])
    if (latest is None and due is None) or (latest is not None and latest.basis == basis):
        return None
    amount, currency, credited_on = due if due is not None else (Decimal("0"), "", None)
    try:
        with transaction.atomic():
            event = CreditEvent.objects.create(
                kind=kind,
                source_id=source_id,
                generation=latest.generation + 1 if latest else 1,
                contract=contract,
                basis=basis,
                amount=amount,
                currency=currency or contract.currency,
            )
            if latest is not None:
                _reverse_lines(event, latest)
            if due is not None:
                _write_lines(event, shares, credited_on, units)
    except IntegrityError:
        return None  # another worker wrote this generation first: it is credited once
    return event


def _units(shares: list[Share], fallback_unit_id: int) -> dict[int, int]:
    rows = User.objects.filter(pk__in=[s.user_id for s in shares]).values_list("pk", "org_unit_id")
    return {pk: unit or fallback_unit_id for pk, unit in rows}


def credit_contract(contract_id: int) -> int:
    """Credit (or re-credit) a contract's booking and collections; the number of event
    generations written (0 when everything was already in line)."""
    with transaction.atomic():
        contract = (
            Contract.objects.select_for_update(of=("self",))
            .select_related("opportunity__partner")
            .filter(pk=contract_id)
            .first()
        )
        if contract is None:
            return 0
        shares = shares_for_contract(contract)
        units = _units(shares, contract.org_unit_id)
        written = 0
        due = None
        if _booking_due(contract) and shares:
            due = (contract.amount, contract.currency, contract.signed_on)
        written += bool(
            _credit_event(
                kind=CreditKind.BOOKING,
                source_id=contract.pk,
                contract=contract,
                due=due,
                shares=shares,
                units=units,
            )
        )
        allocations = ReceiptAllocation.objects.filter(milestone__contract=contract).select_related(
            "receipt"
        )
        for allocation in allocations.order_by("pk"):
            receipt = allocation.receipt
            live = allocation.reversed_at is None and receipt.state == ReceiptState.POSTED
            due = (allocation.amount, receipt.currency, receipt.received_on) if live else None
            written += bool(
                _credit_event(
                    kind=CreditKind.COLLECTION,
                    source_id=allocation.pk,
                    contract=contract,
                    due=due if shares else None,
                    shares=shares,
                    units=units,
                )
            )
        return written


def _latest_event(kind: str, source) -> Subquery:
    return Subquery(
        CreditEvent.objects.filter(kind=kind, source_id=OuterRef(source))
        .values("kind")
        .annotate(at=Max("created_at"))
        .values("at")[:1]
    )


def contracts_to_credit() -> set[int]:
    """Contracts with an event not credited yet, or changed since it was last credited."""
    booked = CreditEvent.objects.filter(kind=CreditKind.BOOKING, source_id=OuterRef("pk"))
    signed = Contract.objects.exclude(state__in=[ContractState.DRAFT, ContractState.TERMINATED])
    ids = set(
        signed.filter(signed_on__isnull=False, amount__gt=0)
        .filter(~Exists(booked))
        .values_list("pk", flat=True)
    )
    ids |= set(
        Contract.objects.annotate(at=_latest_event(CreditKind.BOOKING, "pk"))
        .filter(at__isnull=False, updated_at__gt=F("at"))
        .values_list("pk", flat=True)
    )
    credited = CreditEvent.objects.filter(kind=CreditKind.COLLECTION, source_id=OuterRef("pk"))
    allocations = ReceiptAllocation.objects.annotate(at=_latest_event(CreditKind.COLLECTION, "pk"))
    ids |= set(
        allocations.filter(
            (Q(reversed_at__isnull=True) & ~Exists(credited))
            | Q(reversed_at__gt=F("at"))
            | Q(receipt__reversed_at__gt=F("at"))
        ).values_list("milestone__contract_id", flat=True)
    )
    return ids


def credit_pending() -> int:
    """Credit every contract whose ledger is behind (the beat job); the generations written."""
    return sum(credit_contract(pk) for pk in sorted(contracts_to_credit()))

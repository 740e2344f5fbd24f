"""Drive a contract through execution with the real services, as its iron triangle would.

For demo data, tests of later stages and data generators that need contracts in a given state
without re-implementing the rules: signing, the joint confirmation, a delivery plan with
evidence, customer acceptance and the close review all happen through the same services the
pages and the API call, so every guard, audit event and hook runs.
"""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from accounts.models import User
from core import gates
from core.choices import RiskLevel, TriangleRole

from .choices import ContractState, DocumentKind
from .models import Contract, DeliveryMilestone
from .services import (
    close_review_open,
    contract_confirm,
    contract_transition,
    contract_update,
    milestone_create,
    milestone_reach,
)

ORDER = [
    ContractState.DRAFT,
    ContractState.SIGNED,
    ContractState.ACCEPTED,
    ContractState.IN_DELIVERY,
    ContractState.DELIVERED,
    ContractState.CLOSED,
]
EVIDENCE = {
    "arrival": DocumentKind.ARRIVAL_CERTIFICATE,
    "acceptance": DocumentKind.ACCEPTANCE_CERTIFICATE,
}
PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


def _evidence(kind: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(f"{kind}.pdf", PDF, content_type="application/pdf")


def _seat(contract: Contract, role: str) -> User:
    user = contract.team.seat(role)
    if user is None:
        raise ValueError(f"{contract.number} has no {role.upper()}")
    return user


def contract_run_to(contract: Contract, state: str, *, decider: User | None = None) -> Contract:
    """Advance `contract` (forward only) to `state` through the services, dated today.

    Signing needs a signing date (today if missing); delivery plans an arrival and an
    acceptance milestone when the contract has none and reaches them with certificates;
    closing needs `decider` (a manager with authority) for the close review and a full iron
    triangle.
    """
    target = ORDER.index(state)
    ar = _seat(contract, TriangleRole.AR)
    today = timezone.localdate()
    while ORDER.index(contract.state) < target:
        current = contract.state
        if current == ContractState.DRAFT:
            if contract.signed_on is None:
                contract = contract_update(contract=contract, by=ar, data={"signed_on": today})
            contract = contract_transition(contract=contract, name="sign", by=ar)
        elif current == ContractState.SIGNED:
            contract_confirm(contract=contract, by=ar, role=TriangleRole.AR)
            fr = _seat(contract, TriangleRole.FR)
            contract = contract_confirm(contract=contract, by=fr, role=TriangleRole.FR)
        elif current == ContractState.ACCEPTED:
            fr = _seat(contract, TriangleRole.FR)
            if not DeliveryMilestone.objects.filter(contract=contract).exists():
                for kind in ("arrival", "acceptance"):
                    milestone_create(
                        contract=contract, by=fr, data={"kind": kind, "planned_date": today}
                    )
            contract = contract_transition(contract=contract, name="start_delivery", by=fr)
        elif current == ContractState.IN_DELIVERY:
            fr = _seat(contract, TriangleRole.FR)
            for milestone in DeliveryMilestone.objects.filter(contract=contract).exclude(
                actual_date__isnull=False
            ):
                kind = EVIDENCE.get(milestone.kind)
                milestone_reach(
                    milestone=milestone,
                    by=fr,
                    actual_date=max(today, contract.signed_on or today),
                    document=_evidence(milestone.kind) if kind else None,
                    document_kind=kind or "",
                )
            contract = contract_transition(contract=contract, name="deliver", by=fr)
        elif current == ContractState.DELIVERED:
            if decider is None:
                raise ValueError("closing needs a decider for the close review")
            review = close_review_open(contract=contract, by=_seat(contract, TriangleRole.FR))
            for role in gates.SEATS:
                gates.gate_assess(
                    review=review,
                    by=_seat(contract, role),
                    role=role,
                    verdict="go",
                    confidence=80,
                    risk_level=RiskLevel.LOW,
                    topics={k: "Done." for k, _label in gates.GATE_TOPICS[review.kind][role]},
                )
            gates.gate_decide(review=review, by=decider, decision="go", comment="Close.")
        else:  # pragma: no cover - ORDER covers every forward state
            raise ValueError(f"cannot advance from {current}")
        contract.refresh_from_db()
    return contract

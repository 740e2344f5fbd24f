"""Writes on the direct-contract rules: administrators only, audited (ADR 14); and the
approval a direct contract waits for when the company defined a chain for it (ADR 17)."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import User
from core.approvals.choices import ApprovalKind
from core.approvals.engine import request_start
from core.approvals.models import ApprovalChain, ApprovalRequest
from core.audit import audit_record
from core.errors import Forbidden
from core.messages import label, message, money
from core.notifications import notify
from core.records import record_create, record_update

from ..choices import DirectBasis
from ..models import Contract, DirectContractRule


def _admin_only(by: User) -> None:
    if not by.is_admin:
        raise Forbidden(_("Only administrators configure direct-contract rules."))


def direct_rule_create(*, by: User, data: dict[str, Any]) -> DirectContractRule:
    """A rule under which contracts of one kind may be signed without an ATC."""
    _admin_only(by)
    with transaction.atomic():
        return record_create(DirectContractRule, by=by, data=data, check_scope=False)


def direct_rule_update(
    *,
    rule: DirectContractRule,
    by: User,
    data: dict[str, Any],
    expected_version: int | None = None,
) -> DirectContractRule:
    """Change a rule (audited, before and after). Contracts already signed under it stay as
    signed; drafts relying on it are judged against the rule as it is when they are signed."""
    _admin_only(by)
    return record_update(
        rule, by=by, data=data, expected_version=expected_version, check_scope=False
    )


def direct_contract_facts(contract: Contract) -> dict:
    """What a direct-contract chain's conditions judge: the amount, its currency, the
    customer's tier and the basis (small order, renewal, ...)."""
    return {
        "amount": str(contract.amount) if contract.amount is not None else None,
        "currency": contract.currency,
        "customer_tier": getattr(contract.customer, "tier", "") or "",
        "basis": contract.direct_basis,
    }


def direct_approval_start(contract: Contract, *, by: User) -> ApprovalRequest | None:
    """Start the direct contract's approval when the company defined a chain for direct
    contracts; without one (the default: no steps) nothing waits, as before chains were
    data. The contract is signed once the request is approved (`direct_approval_missing`)."""
    if not ApprovalChain.objects.filter(kind=ApprovalKind.DIRECT_CONTRACT, active=True).exists():
        return None
    return request_start(
        kind=ApprovalKind.DIRECT_CONTRACT,
        subject=contract,
        requester=by,
        org_unit=contract.org_unit,
        facts=direct_contract_facts(contract),
        title=f"{contract.number} · {contract.title}",
    )


def direct_contract_waiting(request: ApprovalRequest, contract: Contract, users: list) -> None:
    """Tell a direct-contract step's approvers, in the contract's words."""
    notify(
        recipients=users,
        kind="approval.waiting",
        exclude=request.requester,
        message=message(
            "contract.direct_approval_needed",
            contract=str(contract),
            amount=money(contract.amount, contract.currency) if contract.amount else "",
            basis=label(DirectBasis, contract.direct_basis),
        ),
        url=contract.get_absolute_url(),
        target=contract,
        email=True,
    )


def direct_contract_ended(request: ApprovalRequest, contract: Contract, by, comment: str) -> None:
    """The direct contract's approval ended: on its timeline; its signature now follows the
    decision (the `sign` guard reads the request)."""
    audit_record(
        target=contract,
        action="contract.direct_approval",
        actor=by,
        comment=comment,
        changes={"approval": request.state},
    )

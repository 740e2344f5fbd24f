"""Recording a bank statement: many receipts in one call, each line once.

A line's natural key is its bank reference within the statement's account
(`StatementLine`, unique in the database): a line sent again is reported as a duplicate and
never becomes a second receipt. Each line is recorded on its own, in a savepoint, through
`receipt_record` (checks, allocation, audit, hooks), so a bad line leaves nothing behind and
the others still count.
"""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from accounts.models import User
from core import policy
from core.errors import ApplicationError, Conflict, Forbidden, ValidationFailed

from ..models import Receipt, StatementLine
from .receipts import receipt_record

#: The most lines one call may carry.
STATEMENT_MAX_LINES = 500


def _reference(line: Any) -> str | None:
    value = line.get("bank_reference") if isinstance(line, dict) else None
    return value.strip() if isinstance(value, str) and value.strip() else None


def statement_record(
    *, by: User, account: str, lines: list[dict[str, Any]], validate
) -> list[dict[str, Any]]:
    """Record the lines of one bank statement of `account` as receipts; one result per line.

    `validate(line)` turns a raw line into `receipt_record` arguments (raising
    `ValidationFailed`). A line whose bank reference this account already recorded, or that
    repeats an earlier line, is a `duplicate` (with the receipt it became, if the caller may
    see it); so is one `receipt_record` finds already recorded by hand (same customer,
    reference, date and amount). Only finance and administrators record receipts.
    """
    if not policy.may(by, "receivables.handle_money"):
        raise Forbidden(_("Only finance records receipts."))
    account = (account or "").strip()
    if not account:
        raise ValidationFailed(_("Name the bank account."), fields={"account": [_("Required.")]})
    references = [ref for ref in map(_reference, lines) if ref]
    known = dict(
        StatementLine.objects.filter(account=account, bank_reference__in=references).values_list(
            "bank_reference", "receipt_id"
        )
    )
    numbers = dict(  # of the receipts the caller may see
        policy.restrict(Receipt.objects.filter(pk__in=list(known.values())), by).values_list(
            "pk", "number"
        )
    )
    results: list[dict[str, Any]] = []
    with transaction.atomic():
        for index, line in enumerate(lines):
            reference = _reference(line)
            result: dict[str, Any] = {
                "index": index,
                "bank_reference": reference,
                "id": None,
                "number": None,
            }
            results.append(result)
            if reference in known:
                receipt_id = known[reference]
                if receipt_id in numbers:
                    result.update(id=receipt_id, number=numbers[receipt_id])
                result["status"] = "duplicate"
                continue
            try:
                if reference is None:
                    raise ValidationFailed(
                        _("Give the bank reference."), fields={"bank_reference": [_("Required.")]}
                    )
                with transaction.atomic():
                    arguments = validate({**line, "bank_reference": reference})
                    receipt = receipt_record(by=by, **arguments)
                    StatementLine.objects.create(
                        account=account, bank_reference=reference, receipt=receipt, created_by=by
                    )
            except Conflict as exc:
                if exc.code != "duplicate_receipt":
                    result.update(status="error", error=exc.as_dict())
                    continue
                result.update(status="duplicate", error=exc.as_dict())
                continue
            except ApplicationError as exc:
                result.update(status="error", error=exc.as_dict())
                continue
            except IntegrityError:  # the same line, recorded meanwhile by a concurrent call
                result.update(status="duplicate")
                continue
            known[reference] = receipt.pk
            numbers[receipt.pk] = receipt.number
            result.update(
                status="recorded",
                id=receipt.pk,
                number=receipt.number,
                allocated=str(receipt.allocated_amount),
                unapplied=str(receipt.unapplied_amount),
            )
    return results

"""`POST /api/v1/receipts/bulk/`: record a bank statement, many receipts in one call.

See receivables/services/statements.py and docs/adr/0009-bulk-endpoints.md.
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiExample
from rest_framework import serializers

from core.api.errors import _flatten
from core.api.serializers import ErrorSerializer
from core.errors import ValidationFailed
from receivables.services.statements import STATEMENT_MAX_LINES

from .serializers import ReceiptCreateSerializer, allocation_pairs


class StatementLineSerializer(ReceiptCreateSerializer):
    """One statement line: a receipt, keyed by its bank reference within the account."""

    bank_reference = serializers.CharField(
        max_length=100, help_text="The bank's reference of the transfer: the line's key."
    )
    allow_duplicate = None  # a statement line is recorded once, by its reference


class StatementEnvelopeSerializer(serializers.Serializer):
    account = serializers.CharField(max_length=64)
    lines = serializers.ListField(
        child=serializers.DictField(), allow_empty=False, max_length=STATEMENT_MAX_LINES
    )


class StatementRequestSerializer(serializers.Serializer):
    account = serializers.CharField(
        max_length=64,
        help_text="The bank account the statement is for (its number or IBAN); a bank "
        "reference is recorded once per account.",
    )
    lines = serializers.ListField(
        child=StatementLineSerializer(), allow_empty=False, max_length=STATEMENT_MAX_LINES
    )


class StatementLineResultSerializer(serializers.Serializer):
    index = serializers.IntegerField(help_text="The line's position in the request, from 0.")
    bank_reference = serializers.CharField(allow_null=True)
    status = serializers.ChoiceField(choices=["recorded", "duplicate", "error"])
    id = serializers.IntegerField(
        allow_null=True, help_text="The receipt (for a duplicate: the one recorded before)."
    )
    number = serializers.CharField(allow_null=True)
    allocated = serializers.DecimalField(
        max_digits=18, decimal_places=2, required=False, help_text="Only when recorded."
    )
    unapplied = serializers.DecimalField(
        max_digits=18, decimal_places=2, required=False, help_text="Only when recorded."
    )
    error = ErrorSerializer(required=False, help_text="Why the line was not recorded.")


class StatementResultSerializer(serializers.Serializer):
    recorded = serializers.IntegerField()
    duplicates = serializers.IntegerField()
    errors = serializers.IntegerField()
    results = StatementLineResultSerializer(many=True)


def statement_response(results: list[dict]) -> dict:
    statuses = [r["status"] for r in results]
    return {
        "recorded": statuses.count("recorded"),
        "duplicates": statuses.count("duplicate"),
        "errors": statuses.count("error"),
        "results": results,
    }


def line_validator(context: dict):
    """`validate(line)` for `statement_record`: the line as `receipt_record` arguments."""

    def validate(line: dict) -> dict:
        serializer = StatementLineSerializer(data=line, context=context)
        if not serializer.is_valid():
            raise ValidationFailed(_("Invalid input."), fields=_flatten(serializer.errors))
        values = dict(serializer.validated_data)
        values["allocations"] = allocation_pairs(values.pop("allocations", None))
        values["refuse_overpayment"] = values.pop("overpayment") == "refuse"
        return values

    return validate


STATEMENT_EXAMPLES = [
    OpenApiExample(
        "Two lines of a statement",
        request_only=True,
        value={
            "account": "6222 0210 0111 2222 333",
            "lines": [
                {
                    "bank_reference": "CMB20260301-0001",
                    "contract": 12,
                    "amount": "300000.00",
                    "received_on": "2026-03-01",
                },
                {
                    "bank_reference": "CMB20260301-0002",
                    "customer": 7,
                    "currency": "CNY",
                    "amount": "4500.00",
                    "received_on": "2026-03-01",
                    "allocations": [{"milestone": 31, "amount": "4500.00"}],
                },
            ],
        },
    ),
    OpenApiExample(
        "Per-line results",
        response_only=True,
        value={
            "recorded": 1,
            "duplicates": 1,
            "errors": 0,
            "results": [
                {
                    "index": 0,
                    "bank_reference": "CMB20260301-0001",
                    "status": "recorded",
                    "id": 88,
                    "number": "RCP-2026-00088",
                    "allocated": "300000.00",
                    "unapplied": "0.00",
                },
                {
                    "index": 1,
                    "bank_reference": "CMB20260301-0002",
                    "status": "duplicate",
                    "id": 80,
                    "number": "RCP-2026-00080",
                },
            ],
        },
    ),
]

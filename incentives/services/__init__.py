"""Writes of credit sharing: the default split, a deal's split, crediting (ADR 23)."""

from .credits import contracts_to_credit, credit_contract, credit_pending
from .splits import credit_default_set, credit_split_ended, credit_split_request

__all__ = [
    "contracts_to_credit",
    "credit_contract",
    "credit_default_set",
    "credit_pending",
    "credit_split_ended",
    "credit_split_request",
]

"""Reads on collections; every one goes through the access policy, sums are done in SQL."""

from .accounts import account_customers, battle_map, close_blockers, contract_facts
from .lists import (
    allocation_list,
    collection_summary,
    contract_collection,
    invoice_list,
    milestone_list,
    my_milestones,
    receipt_list,
    reminder_list,
    write_off_list,
)
from .reconciliation import reconciliation
from .reports import ageing, cash_forecast, kpis, receivables

__all__ = [
    "account_customers",
    "ageing",
    "allocation_list",
    "battle_map",
    "cash_forecast",
    "close_blockers",
    "collection_summary",
    "contract_collection",
    "contract_facts",
    "invoice_list",
    "kpis",
    "milestone_list",
    "my_milestones",
    "receipt_list",
    "receivables",
    "reconciliation",
    "reminder_list",
    "write_off_list",
]

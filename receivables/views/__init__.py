"""The collections pages (server-rendered, in the shared layout)."""

from .forecast import CashForecastExportView, CashForecastPage
from .milestones import (
    InvoiceIssuePage,
    MilestoneFieldsPage,
    MilestoneListPage,
    MilestonePage,
    MyMilestonesPage,
    WriteOffDecisionView,
    WriteOffListPage,
    WriteOffRequestView,
)
from .receipts import (
    AllocationReverseView,
    InvoiceCancelView,
    InvoiceListPage,
    InvoicePage,
    ReceiptApplyCreditView,
    ReceiptCreatePage,
    ReceiptListPage,
    ReceiptPage,
    ReceiptReverseView,
    receipt_allocation_table,
)
from .reports import BattleMapPage, ExportView, PaymentPlanPage, ReportsPage

__all__ = [
    "AllocationReverseView",
    "BattleMapPage",
    "CashForecastExportView",
    "CashForecastPage",
    "ExportView",
    "InvoiceCancelView",
    "InvoiceIssuePage",
    "InvoiceListPage",
    "InvoicePage",
    "MilestoneListPage",
    "MilestoneFieldsPage",
    "MilestonePage",
    "MyMilestonesPage",
    "PaymentPlanPage",
    "ReceiptApplyCreditView",
    "ReceiptCreatePage",
    "ReceiptListPage",
    "ReceiptPage",
    "ReceiptReverseView",
    "ReportsPage",
    "WriteOffDecisionView",
    "WriteOffListPage",
    "WriteOffRequestView",
    "receipt_allocation_table",
]

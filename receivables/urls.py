from django.urls import path, re_path

from . import views

app_name = "receivables"
urlpatterns = [
    path("", views.MilestoneListPage.as_view(), name="milestones"),
    path("mine/", views.MyMilestonesPage.as_view(), name="mine"),
    path("milestones/<int:pk>/", views.MilestonePage.as_view(), name="milestone-detail"),
    path(
        "milestones/<int:pk>/fields/",
        views.MilestoneFieldsPage.as_view(),
        name="milestone-fields",
    ),
    path("milestones/<int:pk>/invoice/", views.InvoiceIssuePage.as_view(), name="invoice-issue"),
    path(
        "milestones/<int:pk>/write-off/",
        views.WriteOffRequestView.as_view(),
        name="write-off-request",
    ),
    path("write-offs/", views.WriteOffListPage.as_view(), name="write-offs"),
    re_path(
        r"^write-offs/(?P<pk>[0-9]+)/(?P<decision>approve|reject|withdraw)/$",
        views.WriteOffDecisionView.as_view(),
        name="write-off-decide",
    ),
    path("receipts/", views.ReceiptListPage.as_view(), name="receipts"),
    path("receipts/new/", views.ReceiptCreatePage.as_view(), name="receipt-create"),
    path(
        "receipts/new/allocations/",
        views.receipt_allocation_table,
        name="receipt-allocation-table",
    ),
    path("receipts/<int:pk>/", views.ReceiptPage.as_view(), name="receipt-detail"),
    path("receipts/<int:pk>/apply/", views.ReceiptApplyCreditView.as_view(), name="receipt-apply"),
    path("receipts/<int:pk>/reverse/", views.ReceiptReverseView.as_view(), name="receipt-reverse"),
    path(
        "receipts/<int:pk>/allocations/<int:allocation_pk>/reverse/",
        views.AllocationReverseView.as_view(),
        name="allocation-reverse",
    ),
    path("invoices/", views.InvoiceListPage.as_view(), name="invoices"),
    path("invoices/<int:pk>/", views.InvoicePage.as_view(), name="invoice-detail"),
    path("invoices/<int:pk>/cancel/", views.InvoiceCancelView.as_view(), name="invoice-cancel"),
    path("reports/", views.ReportsPage.as_view(), name="reports"),
    path("cash-forecast/", views.CashForecastPage.as_view(), name="cash-forecast"),
    path(
        "cash-forecast/export.csv",
        views.CashForecastExportView.as_view(),
        name="cash-forecast-export",
    ),
    path("customers/<int:pk>/battle-map/", views.BattleMapPage.as_view(), name="battle-map"),
    re_path(
        r"^export/(?P<what>milestones|invoices|receipts|ageing)\.csv$",
        views.ExportView.as_view(),
        name="export",
    ),
    path("contracts/<int:pk>/plan/", views.PaymentPlanPage.as_view(), name="payment-plan"),
]

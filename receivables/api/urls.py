from core.api.routers import Router

from . import forecast, reports, views

router = Router()
router.register("payment-milestones", views.PaymentMilestoneViewSet, basename="paymentmilestone")
router.register("payment-plans", views.PaymentPlanViewSet, basename="paymentplan")
router.register("invoices", views.InvoiceViewSet, basename="invoice")
router.register("receipts", views.ReceiptViewSet, basename="receipt")
router.register("write-off-requests", views.WriteOffRequestViewSet, basename="writeoffrequest")
router.register("payment-reminders", views.MilestoneReminderViewSet, basename="paymentreminder")
router.register("receivables", reports.ReceivablesReportViewSet, basename="receivables")
router.register("cash-forecast", forecast.CashForecastViewSet, basename="cash-forecast")
urlpatterns = router.urls

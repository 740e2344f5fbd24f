"""The core's REST endpoints under /api/v1/ (the project's URLs add each app's beside them)."""

from django.urls import path

from core.api.routers import Router

from . import approvals, configuration, custom_fields, exchange_rates, jobs, saved_views, views

router = Router()
router.register("notifications", views.NotificationViewSet, basename="notification")
router.register("gate-reviews", views.GateReviewViewSet, basename="gatereview")
router.register("authority-rules", views.AuthorityRuleViewSet, basename="authorityrule")
router.register("approval-chains", approvals.ApprovalChainViewSet, basename="approvalchain")
router.register("approvals", approvals.ApprovalRequestViewSet, basename="approvalrequest")
router.register("delegations", approvals.DelegationViewSet, basename="delegation")
router.register("saved-views", saved_views.SavedViewViewSet, basename="savedview")
router.register("jobs", jobs.JobViewSet, basename="job")
router.register("job-runs", jobs.JobRunViewSet, basename="jobrun")
router.register("custom-fields", custom_fields.CustomFieldViewSet, basename="customfield")
router.register("exchange-rates", exchange_rates.ExchangeRateViewSet, basename="exchangerate")

urlpatterns = [
    *router.urls,
    path(
        "configuration/export/",
        configuration.ConfigurationExportView.as_view(),
        name="configuration-export",
    ),
    path(
        "configuration/import/",
        configuration.ConfigurationImportView.as_view(),
        name="configuration-import",
    ),
]

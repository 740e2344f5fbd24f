"""The REST API, version 1: the core's endpoints and each app's, under /api/v1/."""

from django.urls import include, path

from ltc.api.routers import Router

from . import jobs, saved_views, views

router = Router()
router.register("notifications", views.NotificationViewSet, basename="notification")
router.register("gate-reviews", views.GateReviewViewSet, basename="gatereview")
router.register("authority-rules", views.AuthorityRuleViewSet, basename="authorityrule")
router.register("saved-views", saved_views.SavedViewViewSet, basename="savedview")
router.register("jobs", jobs.JobViewSet, basename="job")
router.register("job-runs", jobs.JobRunViewSet, basename="jobrun")

urlpatterns = [
    *router.urls,
    path("", include("accounts.api.urls")),
    path("", include("leads.api.urls")),
    path("", include("opportunities.api.urls")),
    path("", include("contracts.api.urls")),
    path("", include("receivables.api.urls")),
    path("", include("keyaccounts.api.urls")),
    path("", include("integrations.api.urls")),
]

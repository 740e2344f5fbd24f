from django.urls import path

from core.api.routers import Router

from . import views

router = Router()
router.register("credit-splits", views.CreditSplitViewSet, basename="creditsplit")
router.register("credit-lines", views.CreditLineViewSet, basename="creditline")
urlpatterns = [
    path(
        "credit-split-default/", views.CreditSplitDefaultView.as_view(), name="credit-split-default"
    ),
    path("incentive-report/", views.IncentiveReportView.as_view(), name="incentive-report"),
    *router.urls,
]

from django.urls import path

from core.api.routers import Router

from . import views

router = Router()
router.register("planning-settings", views.PlanningSettingsViewSet, basename="planningsettings")
router.register("tier-criteria", views.TierCriteriaViewSet, basename="tiercriteria")
router.register("account-profiles", views.AccountProfileViewSet, basename="accountprofile")
router.register("purchase-drivers", views.PurchaseDriverViewSet, basename="purchasedriver")
router.register("tier-changes", views.TierChangeViewSet, basename="tierchange")
router.register("account-plans", views.AccountPlanViewSet, basename="accountplan")
router.register("plan-targets", views.PlanTargetViewSet, basename="plantarget")
router.register("plan-actions", views.PlanActionViewSet, basename="planaction")
router.register("sales-targets", views.SalesTargetViewSet, basename="salestarget")
router.register("commitments", views.CommitmentViewSet, basename="commitment")
router.register("renewals", views.RenewalLinkViewSet, basename="renewallink")

urlpatterns = [
    *router.urls,
    path("dashboards/funnel/", views.FunnelView.as_view(), name="dashboard-funnel"),
    path("dashboards/pipeline/", views.RepDashboardView.as_view(), name="dashboard-pipeline"),
    path("dashboards/presales/", views.PresalesDashboardView.as_view(), name="dashboard-presales"),
    path(
        "dashboards/collections/",
        views.CollectionsDashboardView.as_view(),
        name="dashboard-collections",
    ),
    path("dashboards/revenue/", views.RetentionView.as_view(), name="dashboard-revenue"),
]

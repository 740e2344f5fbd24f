from django.urls import path

from . import views

app_name = "keyaccounts"
urlpatterns = [
    path("", views.OverviewPage.as_view(), name="overview"),
    path("settings/", views.SettingsPage.as_view(), name="settings"),
    path("criteria/", views.CriteriaListPage.as_view(), name="criteria"),
    path("criteria/new/", views.CriteriaCreatePage.as_view(), name="criteria-create"),
    path("criteria/<int:pk>/edit/", views.CriteriaEditPage.as_view(), name="criteria-edit"),
    path("criteria/recompute/", views.RecomputeView.as_view(), name="recompute"),
    path(
        "customers/<int:customer_pk>/profile/",
        views.ProfileEditPage.as_view(),
        name="profile-edit",
    ),
    path(
        "customers/<int:customer_pk>/drivers/new/",
        views.DriverCreatePage.as_view(),
        name="driver-create",
    ),
    path(
        "customers/<int:customer_pk>/tier/", views.TierOverridePage.as_view(), name="tier-override"
    ),
    path(
        "customers/<int:customer_pk>/tier/clear/",
        views.TierOverrideClearView.as_view(),
        name="tier-override-clear",
    ),
    path("plans/", views.PlanListPage.as_view(), name="plans"),
    path("plans/new/", views.PlanCreatePage.as_view(), name="plan-create"),
    path("plans/<int:pk>/", views.PlanPage.as_view(), name="plan-detail"),
    path("plans/<int:pk>/targets/", views.PlanTargetCreatePage.as_view(), name="plan-target"),
    path("plans/<int:pk>/actions/new/", views.PlanActionCreatePage.as_view(), name="plan-action"),
    path("actions/<int:pk>/status/", views.ActionStatusView.as_view(), name="action-status"),
    path("targets/", views.TargetListPage.as_view(), name="targets"),
    path("targets/new/", views.TargetCreatePage.as_view(), name="target-create"),
    path("targets/<int:pk>/", views.TargetPage.as_view(), name="target-detail"),
    path("targets/<int:pk>/adjust/", views.TargetAdjustPage.as_view(), name="target-adjust"),
    path("commitments/", views.CommitmentsPage.as_view(), name="commitments"),
    path("commitments/new/", views.CommitmentCreatePage.as_view(), name="commitment-create"),
    path("renewals/", views.RenewalsPage.as_view(), name="renewals"),
    path("funnel/", views.FunnelPage.as_view(), name="funnel"),
    path("pipeline/", views.PipelinePage.as_view(), name="pipeline"),
    path("presales/", views.PresalesPage.as_view(), name="presales"),
    path("collections/", views.CollectionsPage.as_view(), name="collections"),
]

from django.urls import path

from . import views

app_name = "contracts"
urlpatterns = [
    path("", views.ContractListPage.as_view(), name="list"),
    path("new/", views.ContractCreatePage.as_view(), name="create"),
    path("evaluations/", views.EvaluationReportPage.as_view(), name="evaluation-report"),
    path("<int:pk>/", views.ContractPage.as_view(), name="detail"),
    path("<int:pk>/edit/", views.ContractEditPage.as_view(), name="edit"),
    path("<int:pk>/team/", views.ContractTeamPage.as_view(), name="team"),
    path("<int:pk>/confirm/", views.ContractConfirmPage.as_view(), name="confirm"),
    path("<int:pk>/close-review/", views.CloseReviewOpenPage.as_view(), name="close-review"),
    path(
        "<int:pk>/transitions/<slug:name>/",
        views.ContractTransitionPage.as_view(),
        name="transition",
    ),
    path(
        "<int:contract_pk>/deliverables/new/",
        views.DeliverableCreatePage.as_view(),
        name="deliverable-create",
    ),
    path(
        "deliverables/<int:pk>/edit/",
        views.DeliverableEditPage.as_view(),
        name="deliverable-edit",
    ),
    path(
        "deliverables/<int:pk>/transitions/<slug:name>/",
        views.DeliverableTransitionPage.as_view(),
        name="deliverable-transition",
    ),
    path(
        "<int:contract_pk>/milestones/new/",
        views.MilestoneCreatePage.as_view(),
        name="milestone-create",
    ),
    path("milestones/<int:pk>/edit/", views.MilestoneEditPage.as_view(), name="milestone-edit"),
    path("milestones/<int:pk>/reach/", views.MilestoneReachPage.as_view(), name="milestone-reach"),
    path(
        "milestones/<int:pk>/transitions/<slug:name>/",
        views.MilestoneTransitionPage.as_view(),
        name="milestone-transition",
    ),
    path(
        "<int:contract_pk>/documents/new/",
        views.DocumentUploadPage.as_view(),
        name="document-create",
    ),
    path("documents/<int:pk>/", views.document_download, name="document-download"),
    path(
        "<int:contract_pk>/changes/new/",
        views.ChangeRequestCreatePage.as_view(),
        name="change-create",
    ),
    path("changes/<int:pk>/", views.ChangeRequestPage.as_view(), name="change-detail"),
    path("changes/<int:pk>/edit/", views.ChangeRequestEditPage.as_view(), name="change-edit"),
    path(
        "changes/<int:pk>/transitions/<slug:name>/",
        views.ChangeRequestTransitionPage.as_view(),
        name="change-transition",
    ),
    path("<int:contract_pk>/evaluate/", views.EvaluationPage.as_view(), name="evaluate"),
]

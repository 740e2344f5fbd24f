from django.urls import path

from . import views

app_name = "leads"
urlpatterns = [
    path("", views.LeadListPage.as_view(), name="list"),
    path("board/", views.LeadBoardPage.as_view(), name="board"),
    path("export/", views.lead_export, name="export"),
    path("new/", views.LeadCreatePage.as_view(), name="create"),
    path("rules/", views.DistributionRuleListPage.as_view(), name="rules"),
    path("rules/new/", views.DistributionRuleCreatePage.as_view(), name="rule-create"),
    path("rules/<int:pk>/edit/", views.DistributionRuleEditPage.as_view(), name="rule-edit"),
    path("<int:pk>/", views.LeadPage.as_view(), name="detail"),
    path("<int:pk>/edit/", views.LeadEditPage.as_view(), name="edit"),
    path("<int:pk>/assign/", views.lead_assign_page, name="assign"),
    path("<int:pk>/verification/", views.lead_verification_fill, name="verification"),
    path("<int:pk>/merge/", views.LeadMergePage.as_view(), name="merge"),
    path(
        "<int:pk>/transitions/<slug:name>/", views.LeadTransitionPage.as_view(), name="transition"
    ),
]

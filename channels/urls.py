from django.urls import path

from . import views

app_name = "channels"

urlpatterns = [
    path("", views.ChannelIndexPage.as_view(), name="index"),
    path("reports/<slug:kind>.csv", views.report_export, name="report-export"),
    path("schemes/", views.SchemeListPage.as_view(), name="schemes"),
    path("schemes/new/", views.SchemeFormPage.as_view(), name="scheme-create"),
    path("schemes/<int:pk>/", views.SchemePage.as_view(), name="scheme"),
    path("statements/", views.StatementListPage.as_view(), name="statements"),
    path("statements/<int:pk>/", views.StatementPage.as_view(), name="statement"),
    path("statements/<int:pk>/settle/", views.statement_settle_view, name="statement-settle"),
    path("partners/<int:pk>/", views.PartnerRebatesPage.as_view(), name="partner"),
]

from django.urls import path

from . import views

app_name = "reports"

urlpatterns = [
    path("", views.ReportListPage.as_view(), name="list"),
    path("new/", views.ReportBuilderPage.as_view(), name="new"),
    path("preview/", views.ReportPreview.as_view(), name="preview"),
    path("<int:pk>/", views.ReportBuilderPage.as_view(), name="detail"),
    path("<int:pk>/xlsx/", views.ReportDownload.as_view(), name="xlsx"),
]

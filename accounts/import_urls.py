"""The import wizard's pages (mounted at /imports/) and the activity actions (/activities/)."""

from django.urls import path

from . import views

app_name = "imports"
urlpatterns = [
    path("", views.import_list, name="list"),
    path("new/", views.import_new, name="new"),
    path("template/<slug:kind>.csv", views.import_template, name="template"),
    path("<int:pk>/", views.import_detail, name="detail"),
    path("<int:pk>/progress/", views.import_progress, name="progress"),
    path("<int:pk>/commit/", views.import_commit_page, name="commit"),
    path("<int:pk>/cancel/", views.import_cancel_page, name="cancel"),
    path("<int:pk>/errors.csv", views.import_error_report, name="error-report"),
]

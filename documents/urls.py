from django.urls import path

from . import views

app_name = "documents"

urlpatterns = [
    path("generate/", views.generate, name="generate"),
    path("<int:pk>/download/", views.download, name="download"),
    path("settings/", views.settings_page, name="settings"),
    path("settings/templates/<str:kind>/<str:language>/", views.template_page, name="template"),
]

"""Activity actions shared by every record page (mounted at /activities/)."""

from django.urls import path

from . import views

app_name = "activities"
urlpatterns = [
    path("add/<str:label>/<int:pk>/", views.activity_add, name="add"),
    path("<int:pk>/done/", views.activity_done, name="done"),
]

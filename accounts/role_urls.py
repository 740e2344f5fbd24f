"""Roles as permission sets (issue 20.1), under /settings/roles/."""

from django.urls import path

from . import role_views

app_name = "roles"
urlpatterns = [
    path("", role_views.role_list, name="list"),
    path("new/", role_views.role_new, name="new"),
    path("<int:pk>/", role_views.role_edit, name="edit"),
    path(
        "assignments/<int:pk>/remove/",
        role_views.role_assignment_remove,
        name="assignment-remove",
    ),
]

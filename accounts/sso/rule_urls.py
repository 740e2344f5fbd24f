"""Sign-in mapping rules (ADR 25), under /settings/sign-in-rules/."""

from django.urls import path

from . import rule_views

app_name = "sso-rules"
urlpatterns = [
    path("", rule_views.sso_rule_list, name="list"),
    path("new/", rule_views.sso_rule_new, name="new"),
    path("<int:pk>/", rule_views.sso_rule_edit, name="edit"),
    path("<int:pk>/delete/", rule_views.sso_rule_remove, name="delete"),
]

"""OpenID Connect sign-in under /sso/oidc/ (ADR 25)."""

from django.urls import path

from . import views

urlpatterns = [
    path("oidc/start/", views.OidcStartView.as_view(), name="sso-oidc-start"),
    path("oidc/callback/", views.OidcCallbackView.as_view(), name="sso-oidc-callback"),
]

from django.urls import path

from . import api

urlpatterns = [
    path("portal/me/", api.PortalMeView.as_view(), name="portal-me"),
    path("portal/rebates/", api.PortalRebatesView.as_view(), name="portal-rebates"),
    path("portal/registrations/", api.PortalRegistrationView.as_view(), name="portal-register"),
    path(
        "portal/registrations/<int:pk>/withdraw/",
        api.PortalWithdrawView.as_view(),
        name="portal-withdraw",
    ),
]

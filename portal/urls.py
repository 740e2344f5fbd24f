from django.urls import path

from . import views

app_name = "portal"

urlpatterns = [
    path("", views.home, name="home"),
    path("registrations/", views.registrations, name="registrations"),
    path(
        "registrations/<int:pk>/withdraw/",
        views.registration_withdraw,
        name="registration-withdraw",
    ),
    path("opportunities/", views.opportunities, name="opportunities"),
    path("quotes/", views.quotes, name="quotes"),
    path("orders/", views.orders, name="orders"),
    path("documents/", views.documents, name="documents"),
    path("rebates/", views.rebates, name="rebates"),
]

from django.urls import path

from . import registration_views, vetting_views, views

app_name = "accounts"
urlpatterns = [
    path("", views.CustomerListPage.as_view(), name="customers"),
    path("new/", views.CustomerCreatePage.as_view(), name="customer-create"),
    path("export/", views.customer_export, name="customer-export"),
    path("duplicates/", views.customer_duplicates_partial, name="customer-duplicates"),
    path("vetting/", vetting_views.CustomerVettingPage.as_view(), name="customer-vetting"),
    path(
        "vetting/decide/",
        vetting_views.CustomerVettingDecide.as_view(),
        name="customer-vetting-decide",
    ),
    path(
        "registrations/",
        registration_views.RegistrationListPage.as_view(),
        name="registrations",
    ),
    path(
        "registrations/<int:pk>/",
        registration_views.RegistrationPage.as_view(),
        name="registration-detail",
    ),
    path(
        "registrations/<int:pk>/renew/",
        registration_views.RegistrationRenew.as_view(),
        name="registration-renew",
    ),
    path(
        "registrations/<int:pk>/release/",
        registration_views.RegistrationRelease.as_view(),
        name="registration-release",
    ),
    path(
        "registrations/<int:pk>/rule/",
        registration_views.RegistrationRule.as_view(),
        name="registration-rule",
    ),
    path(
        "<int:pk>/register/",
        registration_views.RegistrationCreate.as_view(),
        name="registration-create",
    ),
    path("<int:pk>/", views.CustomerPage.as_view(), name="customer-detail"),
    path("<int:pk>/edit/", views.CustomerEditPage.as_view(), name="customer-edit"),
    path("<int:pk>/merge/", views.CustomerMergePage.as_view(), name="customer-merge"),
    path("<int:pk>/chain/add/", views.account_chain_member_add, name="account-chain-add"),
    path("chain/<int:pk>/remove/", views.account_chain_member_remove, name="account-chain-remove"),
    path("<int:pk>/aliases/new/", views.CustomerAliasPage.as_view(), name="customer-alias"),
    path("contacts/<int:pk>/merge/", views.ContactMergePage.as_view(), name="contact-merge"),
    path(
        "<int:customer_pk>/contacts/new/", views.ContactCreatePage.as_view(), name="contact-create"
    ),
]

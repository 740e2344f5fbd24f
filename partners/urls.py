from django.urls import path

from . import views

app_name = "partners"

urlpatterns = [
    path("", views.PartnerListPage.as_view(), name="list"),
    path("new/", views.PartnerFormPage.as_view(), name="create"),
    path("export/", views.partner_export, name="export"),
    path("<int:pk>/", views.PartnerPage.as_view(), name="detail"),
    path("<int:pk>/edit/", views.PartnerFormPage.as_view(), name="edit"),
    path(
        "<int:pk>/submit-admission/",
        views.PartnerSubmitAdmission.as_view(),
        name="submit-admission",
    ),
    path(
        "<int:partner_pk>/agreements/new/",
        views.AgreementFormPage.as_view(),
        name="agreement-create",
    ),
    path("agreements/<int:pk>/edit/", views.AgreementFormPage.as_view(), name="agreement-edit"),
    path(
        "<int:partner_pk>/qualifications/new/",
        views.QualificationUploadPage.as_view(),
        name="qualification-create",
    ),
    path(
        "qualifications/<int:pk>/download/",
        views.qualification_download,
        name="qualification-download",
    ),
    path(
        "qualifications/<int:pk>/review/",
        views.QualificationReview.as_view(),
        name="qualification-review",
    ),
    path(
        "<int:partner_pk>/registrations/new/",
        views.RegistrationSubmitPage.as_view(),
        name="registration-create",
    ),
    path("<int:partner_pk>/members/new/", views.MemberCreatePage.as_view(), name="member-create"),
    path(
        "members/<int:pk>/deactivate/",
        views.MemberDeactivate.as_view(),
        name="member-deactivate",
    ),
    path("registrations/", views.RegistrationListPage.as_view(), name="registrations"),
    path("registrations/<int:pk>/", views.RegistrationPage.as_view(), name="registration-detail"),
    path(
        "registrations/<int:pk>/convert/",
        views.RegistrationConvert.as_view(),
        name="registration-convert",
    ),
]

from core.api.routers import Router

from . import views

router = Router()
router.register("partners", views.PartnerViewSet, basename="partner")
router.register("partner-agreements", views.PartnerAgreementViewSet, basename="partneragreement")
router.register(
    "partner-qualifications", views.PartnerQualificationViewSet, basename="partnerqualification"
)
router.register(
    "partner-registrations", views.PartnerRegistrationViewSet, basename="partnerregistration"
)
router.register("partner-members", views.PartnerMemberViewSet, basename="partnermember")
urlpatterns = router.urls

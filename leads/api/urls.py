from django.urls import path

from core.api.routers import Router

from . import views

router = Router()
router.register("leads", views.LeadViewSet, basename="lead")
router.register("lead-sources", views.LeadCaptureSourceViewSet, basename="leadcapturesource")
router.register("distribution-rules", views.DistributionRuleViewSet, basename="distributionrule")
router.register(
    "lead-qualification-policies",
    views.LeadQualificationPolicyViewSet,
    basename="leadqualificationpolicy",
)
urlpatterns = [
    path("web-to-lead/", views.WebToLeadView.as_view(), name="web-to-lead"),
    *router.urls,
]

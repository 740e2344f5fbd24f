from core.api.routers import Router

from . import views

router = Router()
router.register("contracts", views.ContractViewSet, basename="contract")
router.register("deliverables", views.DeliverableViewSet, basename="deliverable")
router.register(
    "delivery-milestones", views.DeliveryMilestoneViewSet, basename="delivery-milestone"
)
router.register("contract-documents", views.ContractDocumentViewSet, basename="contract-document")
router.register("change-requests", views.ChangeRequestViewSet, basename="change-request")
router.register(
    "contract-amendments", views.ContractAmendmentViewSet, basename="contract-amendment"
)
router.register(
    "contract-evaluations", views.ContractEvaluationViewSet, basename="contract-evaluation"
)
router.register(
    "direct-contract-rules", views.DirectContractRuleViewSet, basename="direct-contract-rule"
)
urlpatterns = router.urls

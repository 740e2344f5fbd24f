from core.api.routers import Router

from . import agreements, sales, views

router = Router()
router.register("opportunities", views.OpportunityViewSet, basename="opportunity")
router.register("decision-chain", views.DecisionChainViewSet, basename="decisionchainmember")
router.register(
    "opportunity-competitors", views.OpportunityCompetitorViewSet, basename="opportunitycompetitor"
)
router.register("competitors", views.CompetitorViewSet, basename="competitor")
router.register("products", views.ProductViewSet, basename="product")
router.register("pricing-rules", views.PricingRuleViewSet, basename="pricingrule")
router.register("stage-probabilities", views.StageProbabilityViewSet, basename="stageprobability")
router.register("stage-norms", views.StageNormViewSet, basename="stagenorm")
router.register("agreement-prices", agreements.AgreementPriceViewSet, basename="agreementprice")
router.register("discount-targets", agreements.DiscountTargetViewSet, basename="discounttarget")
router.register("quotes", sales.QuoteViewSet, basename="quote")
router.register("bids", sales.BidViewSet, basename="bid")
router.register("bid-sections", sales.BidSectionViewSet, basename="bidsection")
router.register("bid-checklist-items", sales.BidChecklistViewSet, basename="bidchecklistitem")
urlpatterns = router.urls

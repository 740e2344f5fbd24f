from core.api.routers import Router

from . import views

router = Router()
router.register("rebate-schemes", views.RebateSchemeViewSet, basename="rebatescheme")
router.register("rebate-statements", views.RebateStatementViewSet, basename="rebatestatement")
router.register("channel-reports", views.ChannelReportViewSet, basename="channelreport")
urlpatterns = router.urls

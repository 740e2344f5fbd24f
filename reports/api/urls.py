from core.api.routers import Router

from . import views

router = Router()
router.register("reports", views.SavedReportViewSet, basename="savedreport")

urlpatterns = router.urls

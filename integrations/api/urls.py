from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter()
router.register("api-keys", views.ApiKeyViewSet, basename="apikey")

urlpatterns = router.urls

from core.api.routers import Router

from . import views

router = Router()
router.register("api-keys", views.ApiKeyViewSet, basename="apikey")
router.register(
    "webhook-subscriptions", views.WebhookSubscriptionViewSet, basename="webhooksubscription"
)
router.register("webhook-deliveries", views.WebhookDeliveryViewSet, basename="webhookdelivery")

urlpatterns = router.urls

from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter()
router.register("api-keys", views.ApiKeyViewSet, basename="apikey")
router.register(
    "webhook-subscriptions", views.WebhookSubscriptionViewSet, basename="webhooksubscription"
)
router.register("webhook-deliveries", views.WebhookDeliveryViewSet, basename="webhookdelivery")

urlpatterns = router.urls

from core.api.routers import Router

from . import views

router = Router()
router.register("chat-channels", views.ChatChannelViewSet, basename="chatchannel")
router.register("chat-identities", views.ChatIdentityViewSet, basename="chatidentity")
router.register("chat-deliveries", views.ChatDeliveryViewSet, basename="chatdelivery")
router.register("channel-preferences", views.ChannelPreferenceViewSet, basename="channelpreference")
urlpatterns = router.urls

from django.urls import path

from core.api.routers import Router

from . import views

router = Router()
router.register("inbound-messages", views.InboundMessageViewSet, basename="inboundmessage")

urlpatterns = [
    path("inbound-mail/", views.InboundMailView.as_view(), name="inbound-mail"),
    *router.urls,
]

from django.urls import path

from . import views

app_name = "messaging"
urlpatterns = [
    path("preferences/", views.preferences, name="preferences"),
    path("channels/", views.channels, name="channels"),
    path("channels/<str:kind>/", views.channel_edit, name="channel-edit"),
    path("identities/", views.identities, name="identities"),
    path("deliveries/", views.deliveries, name="deliveries"),
    path("act/<str:signed>/", views.act, name="act"),
]

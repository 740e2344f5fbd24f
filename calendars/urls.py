from django.urls import path

from . import views

app_name = "calendars"

urlpatterns = [
    path("calendar/<str:token>.ics", views.feed, name="feed"),
    path("settings/calendar/", views.feed_settings, name="settings"),
]

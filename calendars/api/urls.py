from django.urls import path

from . import views

urlpatterns = [
    path("calendar-feed/", views.CalendarFeedView.as_view(), name="calendar-feed"),
    path(
        "calendar-feed/regenerate/",
        views.CalendarFeedRegenerateView.as_view(),
        name="calendar-feed-regenerate",
    ),
]

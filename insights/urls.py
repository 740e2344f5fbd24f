from django.urls import path

from . import views

app_name = "insights"

urlpatterns = [
    path("gate-flow/", views.GateFlowPage.as_view(), name="gate-flow"),
    path("win-model/", views.WinModelPage.as_view(), name="win-model"),
    path(
        "win-predictions/<int:pk>/refresh/",
        views.WinPredictionRefreshPage.as_view(),
        name="win-prediction-refresh",
    ),
]

from django.urls import path

from . import views

urlpatterns = [
    path("insights/gate-flow/", views.GateFlowView.as_view(), name="gate-flow"),
    path("insights/gate-flow/deals/", views.GateFlowDealsView.as_view(), name="gate-flow-deals"),
    path("insights/win-model/", views.WinModelView.as_view(), name="win-model"),
    path(
        "insights/win-predictions/<int:pk>/",
        views.WinPredictionView.as_view(),
        name="win-prediction",
    ),
    path(
        "insights/win-predictions/<int:pk>/refresh/",
        views.WinPredictionRefreshView.as_view(),
        name="win-prediction-refresh",
    ),
]

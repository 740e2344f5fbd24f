from django.urls import path

from . import views

app_name = "incentives"

urlpatterns = [
    path("", views.IncentiveReportPage.as_view(), name="report"),
    path("default-split/", views.CreditDefaultPage.as_view(), name="default"),
    path("deals/<int:pk>/split/", views.DealSplitPage.as_view(), name="deal-split"),
]

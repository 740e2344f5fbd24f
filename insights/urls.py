from django.urls import path

from . import views

app_name = "insights"

urlpatterns = [
    path("gate-flow/", views.GateFlowPage.as_view(), name="gate-flow"),
]

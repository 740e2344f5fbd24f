from django.urls import path

from . import views

urlpatterns = [
    path("insights/gate-flow/", views.GateFlowView.as_view(), name="gate-flow"),
    path("insights/gate-flow/deals/", views.GateFlowDealsView.as_view(), name="gate-flow-deals"),
]

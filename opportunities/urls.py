from django.urls import path

from . import views

app_name = "opportunities"
urlpatterns = [
    path("", views.OpportunityListPage.as_view(), name="list"),
    path("board/", views.BoardPage.as_view(), name="board"),
    path("forecast/", views.ForecastPage.as_view(), name="forecast"),
    path("win-loss/", views.WinLossPage.as_view(), name="win-loss"),
    path("price-post-mortem/", views.PricePostMortemPage.as_view(), name="price-post-mortem"),
    path("agreement-prices/", views.AgreementPriceListPage.as_view(), name="agreement-prices"),
    path(
        "agreement-prices/export/",
        views.agreement_price_export,
        name="agreement-price-export",
    ),
    path(
        "agreement-prices/<int:pk>/",
        views.AgreementPricePage.as_view(),
        name="agreement-price",
    ),
    path("new/", views.OpportunityCreatePage.as_view(), name="create"),
    path("from-lead/<int:lead_pk>/", views.ConvertLeadPage.as_view(), name="convert-lead"),
    path("<int:pk>/", views.OpportunityPage.as_view(), name="detail"),
    path("<int:pk>/edit/", views.OpportunityEditPage.as_view(), name="edit"),
    path("<int:pk>/team/", views.TeamPage.as_view(), name="team"),
    path("<int:pk>/move/", views.MovePage.as_view(), name="move"),
    path("<int:pk>/close-reason/", views.CloseReasonPage.as_view(), name="close-reason"),
    path("<int:pk>/gates/<slug:kind>/open/", views.OpenGatePage.as_view(), name="open-gate"),
    path(
        "<int:pk>/transitions/<slug:name>/",
        views.OpportunityTransitionPage.as_view(),
        name="transition",
    ),
    path(
        "<int:opportunity_pk>/decision-chain/add/",
        views.DecisionChainAddPage.as_view(),
        name="chain-add",
    ),
    path("decision-chain/<int:pk>/", views.DecisionChainEditPage.as_view(), name="chain-edit"),
    path(
        "decision-chain/<int:pk>/remove/",
        views.DecisionChainRemovePage.as_view(),
        name="chain-remove",
    ),
    path(
        "<int:opportunity_pk>/competitors/add/",
        views.CompetitorAddPage.as_view(),
        name="competitor-add",
    ),
    path("competitors/<int:pk>/", views.CompetitorEditPage.as_view(), name="competitor-edit"),
    path(
        "competitors/<int:pk>/remove/",
        views.CompetitorRemovePage.as_view(),
        name="competitor-remove",
    ),
    path("<int:opportunity_pk>/quotes/new/", views.QuoteFormPage.as_view(), name="quote-create"),
    path("quotes/<int:pk>/", views.QuotePage.as_view(), name="quote"),
    path("quotes/<int:pk>/edit/", views.QuoteFormPage.as_view(), name="quote-edit"),
    path("<int:pk>/bid/", views.BidPage.as_view(), name="bid"),
]

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.urls import include, path
from django.views.decorators.http import require_POST

from accounts import two_factor
from accounts.api.auth import ObtainTokenView
from accounts.sso.views import SignInView
from core import saved_views, settings_page, views
from core.api.schema_view import DocsView, SchemaView
from core.approvals import views as approval_views
from core.configuration import pages as configuration_pages
from core.custom_fields import pages as custom_field_pages
from core.rates_pages import exchange_rates_page

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("login/", SignInView.as_view(), name="login"),
    path("sso/", include("accounts.sso.urls")),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("two-factor/", two_factor.verify, name="two-factor-verify"),
    path("two-factor/setup/", two_factor.setup, name="two-factor-setup"),
    path("language/", views.set_language, name="set-language"),
    path("search/", views.search_page, name="search"),
    path("notifications/", views.notifications, name="notifications"),
    path("notifications/read-all/", views.notifications_read_all, name="notifications-read-all"),
    path("notifications/badge/", views.notifications_badge, name="notifications-badge"),
    path("notifications/<int:pk>/open/", views.notification_open, name="notification-open"),
    path("notifications/<int:pk>/read/", views.notification_read, name="notification-mark-read"),
    path("settings/", settings_page.settings_index, name="settings-index"),
    path(
        "settings/custom-fields/",
        custom_field_pages.CustomFieldListPage.as_view(),
        name="custom-fields",
    ),
    path(
        "settings/custom-fields/new/",
        custom_field_pages.CustomFieldFormPage.as_view(),
        name="custom-field-create",
    ),
    path(
        "settings/custom-fields/<int:pk>/",
        custom_field_pages.CustomFieldFormPage.as_view(),
        name="custom-field-edit",
    ),
    path("settings/exchange-rates/", exchange_rates_page, name="exchange-rates"),
    path("gates/", views.gate_inbox, name="gate-inbox"),
    path("gates/<int:pk>/", views.gate_detail, name="gate-detail"),
    path("approvals/<int:pk>/", approval_views.approval_detail, name="approval-detail"),
    path("approvals/delegations/", approval_views.delegations, name="delegations"),
    path("settings/approval-chains/", approval_views.approval_chains, name="approval-chains"),
    path("settings/configuration/", configuration_pages.configuration_page, name="configuration"),
    path(
        "saved-views/", login_required(require_POST(saved_views.save_page)), name="saved-view-save"
    ),
    path(
        "saved-views/<int:pk>/delete/",
        login_required(require_POST(saved_views.delete_page)),
        name="saved-view-delete",
    ),
    path("imports/", include("accounts.import_urls")),
    path("activities/", include("accounts.activity_urls")),
    path("customers/", include("accounts.urls")),
    path("partners/", include("partners.urls")),
    path("leads/", include("leads.urls")),
    path("opportunities/", include("opportunities.urls")),
    path("contracts/", include("contracts.urls")),
    path("collections/", include("receivables.urls")),
    path("documents/", include("documents.urls")),
    path("key-accounts/", include("keyaccounts.urls")),
    path("channels/", include("channels.urls")),
    path("portal/", include("portal.urls")),
    path("incentives/", include("incentives.urls")),
    path("insights/", include("insights.urls")),
    path("reports/", include("reports.urls")),
    path("messages/", include("messaging.urls")),
    path("settings/roles/", include("accounts.role_urls")),
    path("settings/sign-in-rules/", include("accounts.sso.rule_urls")),
    path("", include("calendars.urls")),
    path("admin/", admin.site.urls),
    # The REST API, version 1: the core's endpoints and each app's.
    path("api/v1/", include("core.api.urls")),
    path("api/v1/", include("messaging.api.urls")),
    path("api/v1/", include("accounts.api.urls")),
    path("api/v1/", include("partners.api.urls")),
    path("api/v1/", include("leads.api.urls")),
    path("api/v1/", include("opportunities.api.urls")),
    path("api/v1/", include("contracts.api.urls")),
    path("api/v1/", include("receivables.api.urls")),
    path("api/v1/", include("documents.api.urls")),
    path("api/v1/", include("keyaccounts.api.urls")),
    path("api/v1/", include("channels.api.urls")),
    path("api/v1/", include("incentives.api.urls")),
    path("api/v1/", include("insights.api.urls")),
    path("api/v1/", include("reports.api.urls")),
    path("api/v1/", include("calendars.api.urls")),
    path("api/v1/", include("mailin.api.urls")),
    path("api/v1/", include("integrations.api.urls")),
    path("api/v1/", include("portal.api_urls")),
    path("api/v1/auth/token/", ObtainTokenView.as_view(), name="api-token"),
    path("api/v1/schema/", SchemaView.as_view(), name="api-schema"),
    path("api/docs/", login_required(DocsView.as_view(url_name="api-schema")), name="api-docs"),
]

handler400 = "core.api.django_errors.bad_request"
handler403 = "core.api.django_errors.permission_denied"
handler404 = "core.api.django_errors.page_not_found"
handler500 = "core.api.django_errors.server_error"

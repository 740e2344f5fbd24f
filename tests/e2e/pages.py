"""Every page of the URL map, with its arguments filled from the demo company.

`page_urls()` reads Django's resolver, so a new page is walked the moment it is routed; a new
page with arguments must say which demo record it shows (`ARGUMENTS`) or why it is not a page
(`NOT_PAGES`), or `test_every_page_is_walked` fails. Views that answer only POST are found by
themselves when they are class-based (no `get`); function views say so in `NOT_PAGES`.
"""

from __future__ import annotations

from collections.abc import Callable

from django.urls import URLPattern, URLResolver, get_resolver, reverse

#: Routes that are not HTML pages a person reads, by URL name, with the reason.
NOT_PAGES = {
    "healthz": "health check",
    "login": "signed out only",
    "logout": "POST only",
    "two-factor-verify": "signed out only (half-signed-in)",
    "two-factor-setup": "redirects unless two-factor is required",
    "set-language": "POST only",
    "notifications-read-all": "POST only",
    "notifications-badge": "htmx fragment of every page",
    "notification-open": "POST only",
    "notification-mark-read": "POST only",
    "saved-view-save": "POST only",
    "saved-view-delete": "POST only",
    "imports:template": "CSV download",
    "imports:progress": "htmx fragment of the import page",
    "imports:commit": "POST only",
    "imports:cancel": "POST only",
    "imports:error-report": "CSV download",
    "activities:add": "POST only",
    "activities:done": "POST only",
    "accounts:customer-export": "CSV download",
    "partners:qualification-download": "file download",
    "partners:export": "CSV download",
    "opportunities:agreement-price-export": "CSV download",
    "channels:report-export": "CSV download",
    "channels:statement-settle": "POST only",
    "accounts:customer-duplicates": "htmx fragment of the customer form",
    "accounts:account-chain-add": "POST only",
    "accounts:account-chain-remove": "POST only",
    "roles:assignment-remove": "POST only",
    "sso-rules:delete": "POST only",
    "sso-oidc-start": "signed out only (a redirect to the OpenID Connect provider)",
    "sso-oidc-callback": "signed out only (the provider's answer)",
    "leads:export": "CSV download",
    "leads:assign": "POST only",
    "leads:verification": "POST only",
    "contracts:document-download": "file download",
    "documents:download": "file download",
    "documents:generate": "POST only",
    "receivables:receipt-allocation-table": "htmx fragment of the receipt form",
    "receivables:export": "CSV download",
    "receivables:cash-forecast-export": "CSV download",
    "portal:registration-withdraw": "POST only",
    # A single-use decision link from a chat message (ADR 24): tests/messaging/test_actions.py
    # and the phone journey tests/e2e/test_journey_chat_action.py open it.
    "messaging:act": "a single-use link from a chat message",
    "reports:preview": "htmx fragment of the report builder",
    "reports:xlsx": "Excel download",
    "calendars:feed": "ICS download for calendar applications (the token in the URL is the key)",
}

#: Which demo record each page with arguments shows: URL name -> kwargs, from the seeded data.
ARGUMENTS: dict[str, Callable[[], dict]] = {}


def _first(model_path: str, **filters):
    """The first row (by pk) of a model named "app.Model", with optional filters."""
    from django.apps import apps

    return apps.get_model(model_path).objects.filter(**filters).order_by("pk").first()


def _pk(model_path: str, **filters) -> Callable[[], dict]:
    return lambda: {"pk": _first(model_path, **filters).pk}


def _named(key: str, model_path: str, **filters) -> Callable[[], dict]:
    return lambda: {key: _first(model_path, **filters).pk}


ARGUMENTS.update(
    {
        "gate-detail": _pk("ltc.GateReview"),
        "reports:detail": _pk("reports.SavedReport"),
        "custom-field-edit": _pk("ltc.CustomField"),
        "approval-detail": _pk("ltc.ApprovalRequest"),
        "messaging:channel-edit": lambda: {"kind": "feishu_bot"},
        "imports:detail": _pk("accounts.ImportJob"),
        "roles:edit": _pk("accounts.RoleDefinition", builtin=False),
        "sso-rules:edit": _pk("accounts.SsoMappingRule"),
        "accounts:customer-detail": _pk("accounts.Customer"),
        "accounts:customer-edit": _pk("accounts.Customer"),
        "accounts:customer-merge": _pk("accounts.Customer"),
        "accounts:customer-alias": _pk("accounts.Customer"),
        "accounts:contact-merge": _pk("accounts.Contact"),
        "accounts:registration-detail": _pk("accounts.CustomerRegistration"),
        "accounts:contact-create": _named("customer_pk", "accounts.Customer"),
        "partners:detail": _pk("partners.Partner"),
        "partners:edit": _pk("partners.Partner"),
        "partners:agreement-create": _named("partner_pk", "partners.Partner"),
        "partners:agreement-edit": _pk("partners.PartnerAgreement"),
        "partners:qualification-create": _named("partner_pk", "partners.Partner"),
        "partners:registration-create": _named("partner_pk", "partners.Partner"),
        "partners:member-create": _named("partner_pk", "partners.Partner"),
        "partners:registration-detail": _pk("partners.PartnerRegistration"),
        "channels:scheme": _pk("channels.RebateScheme"),
        "channels:statement": _pk("channels.RebateStatement"),
        "channels:partner": _pk("partners.Partner"),
        "leads:rule-edit": _pk("leads.DistributionRule"),
        "leads:detail": _pk("leads.Lead"),
        "leads:edit": _pk("leads.Lead"),
        "leads:assign": _pk("leads.Lead"),
        "leads:merge": _pk("leads.Lead"),
        "opportunities:convert-lead": _named("lead_pk", "leads.Lead", state="verified"),
        "opportunities:detail": _pk("opportunities.Opportunity"),
        "opportunities:edit": _pk("opportunities.Opportunity"),
        "opportunities:team": _pk("opportunities.Opportunity"),
        "opportunities:close-reason": _pk("opportunities.Opportunity"),
        "opportunities:chain-add": _named("opportunity_pk", "opportunities.Opportunity"),
        "opportunities:chain-edit": _pk("opportunities.DecisionChainMember"),
        "opportunities:competitor-add": _named("opportunity_pk", "opportunities.Opportunity"),
        "opportunities:competitor-edit": _pk("opportunities.OpportunityCompetitor"),
        "opportunities:quote-create": _named("opportunity_pk", "opportunities.Opportunity"),
        "opportunities:quote": _pk("opportunities.Quote"),
        "opportunities:agreement-price": _pk("opportunities.AgreementPrice"),
        "incentives:deal-split": _pk("opportunities.Opportunity"),
        "opportunities:quote-edit": _pk("opportunities.Quote"),
        "opportunities:bid": lambda: {"pk": _first("opportunities.Bid").opportunity_id},
        "contracts:detail": _pk("contracts.Contract"),
        "contracts:edit": _pk("contracts.Contract"),
        "contracts:team": _pk("contracts.Contract"),
        "contracts:deliverable-create": _named("contract_pk", "contracts.Contract"),
        "contracts:deliverable-edit": _pk("contracts.Deliverable"),
        "contracts:milestone-create": _named("contract_pk", "contracts.Contract"),
        "contracts:milestone-edit": _pk("contracts.DeliveryMilestone"),
        "contracts:milestone-reach": _pk("contracts.DeliveryMilestone"),
        "contracts:document-create": _named("contract_pk", "contracts.Contract"),
        "contracts:change-create": _named("contract_pk", "contracts.Contract"),
        "contracts:change-detail": _pk("contracts.ChangeRequest"),
        "contracts:change-edit": _pk("contracts.ChangeRequest"),
        "contracts:evaluate": _named("contract_pk", "contracts.Contract"),
        "receivables:milestone-detail": _pk("receivables.PaymentMilestone"),
        "receivables:invoice-issue": _pk("receivables.PaymentMilestone"),
        "receivables:milestone-fields": _pk("receivables.PaymentMilestone"),
        "receivables:receipt-detail": _pk("receivables.Receipt"),
        "receivables:invoice-detail": _pk("receivables.Invoice"),
        "receivables:battle-map": _pk("accounts.Customer"),
        "receivables:payment-plan": _pk("contracts.Contract"),
        "keyaccounts:criteria-edit": _pk("keyaccounts.TierCriteria"),
        "keyaccounts:profile-edit": _named("customer_pk", "accounts.Customer"),
        "keyaccounts:driver-create": _named("customer_pk", "accounts.Customer"),
        "keyaccounts:tier-override": _named("customer_pk", "accounts.Customer"),
        "keyaccounts:plan-detail": _pk("keyaccounts.AccountPlan"),
        "keyaccounts:plan-target": _pk("keyaccounts.AccountPlan"),
        "keyaccounts:plan-action": _pk("keyaccounts.AccountPlan"),
        "keyaccounts:target-detail": _pk("keyaccounts.SalesTarget"),
        "keyaccounts:target-adjust": _pk("keyaccounts.SalesTarget"),
        "documents:template": lambda: {"kind": "quote", "language": "zh-hans"},
    }
)


def _walk(patterns, prefix: str = "", namespace: str = ""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = namespace
            if pattern.namespace:
                inner = f"{namespace}{pattern.namespace}:"
            yield from _walk(pattern.url_patterns, prefix + str(pattern.pattern), inner)
        elif isinstance(pattern, URLPattern) and pattern.name:
            yield prefix + str(pattern.pattern), namespace + pattern.name, pattern


def _answers_get(pattern: URLPattern) -> bool:
    view_class = getattr(pattern.callback, "view_class", None)
    return view_class is None or hasattr(view_class, "get")


def routed_pages() -> list[tuple[str, str, bool]]:
    """(URL name, route, has arguments) of every GET page a person may open in the browser."""
    found = []
    for route, name, pattern in _walk(get_resolver().url_patterns):
        if route.startswith(("api/v1/", "admin/")) or name in NOT_PAGES:
            continue
        if not _answers_get(pattern):
            continue
        found.append((name, route, bool(pattern.pattern.regex.groupindex)))
    return found


def page_urls() -> list[tuple[str, str]]:
    """(URL name, URL) of every page, arguments filled from the demo company."""
    urls = []
    for name, _route, has_arguments in routed_pages():
        kwargs = ARGUMENTS[name]() if has_arguments else {}
        urls.append((name, reverse(name, kwargs=kwargs)))
    return urls


def add_what_the_demo_lacks() -> None:
    """The demo company has no import; one validated import of three leads by the rep."""
    from accounts.models import ImportJob, User

    chen = User.objects.get(username="ar.chen")
    ImportJob.objects.create(
        kind="leads",
        file_name="trade-fair-leads.csv",
        file_format="csv",
        status="validated",
        rows_total=3,
        rows_valid=3,
        created_by=chen,
        org_unit=chen.org_unit,
    )

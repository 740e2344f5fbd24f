"""What every page's layout needs: the navigation for the user's role and the unread count."""

from django.utils.translation import gettext_lazy as _

from .choices import Role
from .notifications import unread_count
from .settings_page import configures_anything

#: (url prefix, label, url name, who sees it: the roles, a check of the user, or None for
#: everyone)
NAVIGATION = [
    ("/", _("Home"), "home", None),
    (
        "/leads/",
        _("Leads"),
        "leads:list",
        {Role.SALES_REP, Role.SOLUTION_MANAGER, Role.SALES_MANAGER, Role.ADMIN},
    ),
    (
        "/opportunities/",
        _("Opportunities"),
        "opportunities:list",
        {
            Role.SALES_REP,
            Role.SOLUTION_MANAGER,
            Role.FULFILLMENT_MANAGER,
            Role.SALES_MANAGER,
            Role.ADMIN,
        },
    ),
    (
        "/gates/",
        _("Approvals"),
        "gate-inbox",
        {
            Role.SALES_REP,
            Role.SOLUTION_MANAGER,
            Role.FULFILLMENT_MANAGER,
            Role.SALES_MANAGER,
            Role.ADMIN,
        },
    ),
    ("/contracts/", _("Contracts"), "contracts:list", None),
    ("/collections/", _("Collections"), "receivables:milestones", None),
    ("/customers/", _("Customers"), "accounts:customers", None),
    (
        "/partners/",
        _("Channel partners"),
        "partners:list",
        {Role.SALES_REP, Role.SALES_MANAGER, Role.ADMIN},
    ),
    (
        "/channels/",
        _("Channel reports"),
        "channels:index",
        {Role.SALES_REP, Role.SALES_MANAGER, Role.FINANCE, Role.ADMIN},
    ),
    ("/key-accounts/", _("Key accounts"), "keyaccounts:overview", None),
    (
        "/insights/gate-flow/",
        _("Gate flow"),
        "insights:gate-flow",
        {
            Role.SALES_REP,
            Role.SOLUTION_MANAGER,
            Role.FULFILLMENT_MANAGER,
            Role.SALES_MANAGER,
            Role.ADMIN,
        },
    ),
    (
        "/incentives/",
        _("Incentive report"),
        "incentives:report",
        {Role.SALES_REP, Role.SOLUTION_MANAGER, Role.FULFILLMENT_MANAGER, Role.SALES_MANAGER},
    ),
    # The report builder (ADR 32): everyone; each figure counts only what its reader may see.
    ("/reports/", _("Reports"), "reports:list", None),
    ("/settings/", _("Settings"), "settings-index", configures_anything),
]


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    role = Role.ADMIN if user.is_superuser else user.role
    path = request.path
    items = []
    for prefix, label, url_name, roles in NAVIGATION:
        if callable(roles):
            if not roles(user):
                continue
        elif roles is not None and role not in roles:
            continue
        active = path == "/" if prefix == "/" else path.startswith(prefix)
        items.append({"label": label, "url_name": url_name, "active": active})
    return {"nav_items": items, "unread_notifications": unread_count(user)}

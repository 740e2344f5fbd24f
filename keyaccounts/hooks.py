"""What key-account management shows on earlier pages: the customer page's key-account panel,
renewal links on contracts and opportunities, and home panels."""

from django.utils.translation import gettext_lazy as _

from core import audit, hooks


def _renewal_of_contract(contract):
    link = getattr(contract, "renewal", None)
    if link is None:
        return None
    return link.opportunity.number, link.opportunity.get_absolute_url()


def _renewed_contract(opportunity):
    link = getattr(opportunity, "renews", None)
    if link is None:
        return None
    return link.contract.number, link.contract.get_absolute_url()


def _customer_panel(customer, user):
    from .selectors import customer_panel

    return customer_panel(customer=customer, user=user)


def _home_panel(user):
    from .views.home import home_panel

    return home_panel(user)


def _home_charts(user):
    from .views.home import home_charts

    return home_charts(user)


hooks.register_link(
    "contracts.Contract", hooks.RecordLink(label=_("Renewal"), resolve=_renewal_of_contract)
)
hooks.register_link(
    "opportunities.Opportunity",
    hooks.RecordLink(label=_("Renews contract"), resolve=_renewed_contract),
)
hooks.register_panel(
    "accounts.Customer",
    hooks.Panel(order=20, template="keyaccounts/customer_panel.html", context=_customer_panel),
)
hooks.register_panel(
    "home", hooks.Panel(order=15, template="keyaccounts/home_panel.html", context=_home_panel)
)
hooks.register_panel(
    "home", hooks.Panel(order=5, template="keyaccounts/home_charts.html", context=_home_charts)
)

# What this app's audit actions read as on a timeline (added to the core's vocabulary).
for _action, _label in {
    "driver.removed": _("Growth driver removed"),
    "renewal.opened": _("Renewal opportunity opened"),
    "target.adjusted": _("Target adjusted"),
    "plan.target_set": _("Product line target set"),
    "plan.target_removed": _("Product line target removed"),
}.items():
    audit.ACTION_LABELS.setdefault(_action, _label)

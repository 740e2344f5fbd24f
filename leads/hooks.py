"""What leads register: the home panel, activities on leads, the lead importer, reactions to
customer and activity events, and words for their audit actions."""

from django.utils.translation import gettext_lazy as _

from accounts.activities import register_subject
from core import hooks
from core.audit import ACTION_LABELS

from . import imports  # noqa: F401  (registers the lead importer)
from .models import Lead
from .selectors import lead_home, lead_list
from .services import (
    on_activity_logged,
    on_customer_changed,
    on_customer_merged,
    on_lead_converted,
)

hooks.register_panel(
    "home",
    hooks.Panel(
        order=10, template="leads/home_panel.html", context=lambda user: lead_home(user=user)
    ),
)
hooks.register_panel(
    "accounts.Customer",
    hooks.Panel(
        order=10,
        template="leads/customer_panel.html",
        context=lambda customer, user: {
            "leads": list(lead_list(user=user).filter(customer=customer).order_by("-id")[:20])
        },
    ),
)
register_subject(Lead)
hooks.listen("activity.logged", on_activity_logged)
hooks.listen("customer.changed", on_customer_changed)
hooks.listen("customer.merged", on_customer_merged)
hooks.listen("lead.converted", on_lead_converted)
ACTION_LABELS.setdefault("lead.routed", _("Lead routed"))


def _register_search():
    from core.web import Searchable, register_search

    register_search(
        Searchable(
            key="leads",
            label=_("Leads"),
            queryset=lambda user: lead_list(user=user),
            fields=("title", "company_name", "contact_name"),
            detail=lambda lead: f"{lead.company_name} · {lead.get_state_display()}",
            order=30,
        )
    )


_register_search()


def on_user_holdings(user):
    """A leaver's open leads, for someone to take over."""
    from .choices import OPEN_STATES
    from .models import Lead

    return {"leads": Lead.objects.filter(owner=user, state__in=OPEN_STATES).count()}


hooks.listen("user.holdings", on_user_holdings)

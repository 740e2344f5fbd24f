"""What opportunities offer on the earlier stage's pages: converting a lead."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from accounts.activities import register_subject
from core import hooks, policy
from core.audit import ACTION_LABELS

from .models import Opportunity
from .selectors import opportunity_home, quotes_awaiting_approval
from .services import CONVERTIBLE


def _convertible(lead, user) -> bool:
    return lead.state in CONVERTIBLE and policy.can(user, lead, "change")


def _opportunity_of(lead):
    opportunity = getattr(lead, "opportunity", None)
    if opportunity is None:
        return None
    return opportunity.number, opportunity.get_absolute_url()


def _home(user):
    """A rep's pipeline by stage; a manager's funnel is the chart key-account management puts
    on their home (with the same table), so it is not shown twice."""
    if policy.may(user, "home.funnel_and_team"):
        return None
    return opportunity_home(user=user)


hooks.register_action(
    "leads.Lead",
    hooks.RecordAction(
        name="convert",
        label=_("Convert to opportunity"),
        url=lambda lead: reverse("opportunities:convert-lead", args=[lead.pk]),
        visible=_convertible,
    ),
)
hooks.register_link("leads.Lead", hooks.RecordLink(label=_("Opportunity"), resolve=_opportunity_of))
register_subject(Opportunity)  # visits, calls and meetings on the deal
hooks.register_panel(
    "home",
    hooks.Panel(
        order=20,
        template="opportunities/home_panel.html",
        context=lambda user: _home(user),
    ),
)


def _approvals(user):
    """Special prices waiting for this user, in the approvals inbox (shown to approvers)."""
    quotes = quotes_awaiting_approval(user=user)
    if not quotes and not policy.may(user, "prices.approve"):
        return None
    return {"quotes": quotes}


hooks.register_panel(
    "approvals",
    hooks.Panel(order=10, template="opportunities/approvals_panel.html", context=_approvals),
)

# What the opportunity's timeline calls the events MO writes (core.timeline reads these).
ACTION_LABELS.update(
    {
        "decision_chain.added": _("Added to the decision chain"),
        "decision_chain.removed": _("Removed from the decision chain"),
        "decision_chain.seeded": _("Decision chain copied from the customer account"),
        "competitor.added": _("Competitor added"),
        "competitor.removed": _("Competitor removed"),
        "quote.priced": _("Quote lines priced"),
        "quote.agreement_check": _("Special price: below an agreement price or the partner's band"),
        "bid.checklist_removed": _("Checklist item removed"),
    }
)


def _register_search():
    from core.web import Searchable, register_search

    from .selectors import opportunity_list

    register_search(
        Searchable(
            key="opportunities",
            label=_("Opportunities"),
            queryset=lambda user: opportunity_list(user=user),
            fields=("name", "number"),
            detail=lambda o: f"{o.customer} · {o.get_state_display()}",
            order=40,
        )
    )


_register_search()


def _user_holdings(user):
    """A leaver's open opportunities, for someone to take over."""
    from .choices import OPEN_STAGES
    from .models import Opportunity

    return {"opportunities": Opportunity.objects.filter(owner=user, state__in=OPEN_STAGES).count()}


hooks.listen("user.holdings", _user_holdings)

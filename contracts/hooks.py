"""Contracts react to the earlier stage (a won opportunity gets its draft contract), show their
link on the opportunity, their work on home, and name their timeline events."""

from django.utils.translation import gettext_lazy as _

from accounts.activities import register_subject
from core import audit, hooks

from .models import Contract
from .selectors import contract_home
from .services import contract_create_from_opportunity


def _on_won(*, opportunity, review, by):
    return contract_create_from_opportunity(opportunity=opportunity, review=review, by=by)


hooks.listen("opportunity.won", _on_won)
register_subject(Contract)  # delivery meetings, acceptance visits
hooks.register_link(
    "opportunities.Opportunity",
    hooks.RecordLink(
        label=_("Contract"),
        resolve=lambda o: (
            (o.contract.number, o.contract.get_absolute_url())
            if getattr(o, "contract", None)
            else None
        ),
    ),
)
hooks.register_panel(
    "home",
    hooks.Panel(order=25, template="contracts/home_panel.html", context=contract_home),
)

# What this app's audit actions read as on a timeline (added to the core's vocabulary).
for action, label in {
    "contract.confirmed": _("Contract content confirmed"),
    "contract.direct_basis": _("Made without an ATC under a direct-contract rule"),
    "contract.direct_approval": _("Direct-contract approval ended"),
    "contract.amended": _("Contract amended"),
    "contract.evaluated": _("Contract evaluated"),
    "delivery_milestone.reached": _("Delivery milestone reached"),
    "delivery_plan.changed": _("Delivery plan changed"),
    "document.added": _("Document added"),
    "change.raised": _("Change request raised"),
    "change.in_review": _("Change request taken up"),
    "change.declined": _("Change request declined"),
    "change.withdrawn": _("Change request withdrawn"),
    "change.rejected": _("Change request rejected"),
}.items():
    audit.ACTION_LABELS.setdefault(action, label)


def _register_search():
    from core.web import Searchable, register_search

    from .selectors import contract_list

    register_search(
        Searchable(
            key="contracts",
            label=_("Contracts"),
            queryset=lambda user: contract_list(user=user),
            fields=("title", "number", "customer_reference"),
            detail=lambda c: f"{c.number} · {c.customer} · {c.get_state_display()}",
            order=50,
        )
    )


_register_search()


def _user_holdings(user):
    """A leaver's contracts not yet finished, for someone to take over."""
    from .choices import FINISHED_STATES
    from .models import Contract

    return {
        "contracts": Contract.objects.filter(owner=user).exclude(state__in=FINISHED_STATES).count()
    }


hooks.listen("user.holdings", _user_holdings)

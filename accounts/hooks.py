"""What the parties app adds to the core: words for its audit actions on every timeline, and
the follow-ups due on home."""

from django.utils.translation import gettext_lazy as _

from core import hooks, policy
from core.audit import ACTION_LABELS

ACTION_LABELS.update(
    {
        "customer.merged": _("A duplicate customer was merged into this one"),
        "customer.merged_into": _("Merged into another customer"),
        "customer.vetting_requested": _("Sent for approval as a new customer (客户审批)"),
        "customer.alias_added": _("Alias added"),
        "customer.alias_removed": _("Alias removed"),
        "activity.logged": _("Activity recorded"),
        "account_chain.added": _("Added to the account's decision chain"),
        "account_chain.removed": _("Removed from the account's decision chain"),
        "import.checked": _("Import checked"),
        "import.committed": _("Import started"),
        "import.done": _("Import finished"),
        "import.failed": _("Import failed"),
        "import.cancelled": _("Import cancelled"),
        "user.deactivated": _("User deactivated"),
        "role.assigned": _("Role given"),
        "role.unassigned": _("Role taken back"),
        "role.deleted": _("Role deleted"),
        "sso_rule.deleted": _("Sign-in mapping rule deleted"),
        "registration.protected": _("Registered and protected (客户报备)"),
        "registration.contested": _("Registration contested, waiting for a ruling"),
        "registration.renewed": _("Registration renewed"),
        "registration.ruled": _("Contested registration ruled"),
        "registration.ended": _("Registration protection ended"),
    }
)


def _follow_ups(user):
    """Home: the next steps the user agreed with customers that are due within three days or
    late, oldest first (the user's own; a manager sees their own too, not the team's)."""
    import datetime as dt

    from django.utils import timezone

    from .selectors import activity_list

    if not policy.may(user, "activities.follow_up"):
        return None
    today = timezone.localdate()
    due = list(
        activity_list(user=user)
        .filter(
            owner=user,
            next_step_done_at__isnull=True,
            next_step_date__lte=today + dt.timedelta(days=3),
        )
        .prefetch_related("subject")
        .order_by("next_step_date", "id")[:10]
    )
    return {"section": "tasks", "follow_ups": due, "today": today}


hooks.register_panel(
    "home", hooks.Panel(order=5, template="accounts/home_panel.html", context=_follow_ups)
)


def _register_search():
    from django.urls import reverse

    from core.web import Searchable, register_search

    from .selectors import contact_list, customer_list

    register_search(
        Searchable(
            key="customers",
            label=_("Customers"),
            queryset=lambda user: customer_list(user=user),
            fields=("name", "credit_code"),
            detail=lambda c: str(c.owner or ""),
            order=10,
        )
    )
    register_search(
        Searchable(
            key="contacts",
            label=_("Contacts"),
            queryset=lambda user: contact_list(user=user),
            fields=("name", "phone", "email"),
            url=lambda c: reverse("accounts:customer-detail", args=[c.customer_id]) + "#contacts",
            detail=lambda c: " · ".join(p for p in (c.title, str(c.customer)) if p),
            order=20,
        )
    )


_register_search()

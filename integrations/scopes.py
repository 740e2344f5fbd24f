"""API-key scopes: read or write per area of the API.

A view's area is the app its module belongs to (`leads.api.views` -> "leads"); the core's
endpoints (notifications, gate reviews, authority rules, saved views) are "core". Write
implies read.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

AREAS = {
    "core": _("Core: notifications, gate reviews, authority rules, saved views"),
    "accounts": _("Customers, contacts, activities, imports"),
    "leads": _("Leads"),
    "opportunities": _("Opportunities, quotes, bids"),
    "contracts": _("Contracts"),
    "receivables": _("Receivables: payment plans, invoices, receipts"),
    "keyaccounts": _("Key accounts"),
    "schema": _("The OpenAPI schema"),
}
ACCESS = ("read", "write")
#: Every scope an API key may hold, e.g. "leads:read".
ALL_SCOPES = [f"{area}:{access}" for area in AREAS for access in ACCESS]

_MODULE_AREAS = {"drf_spectacular": "schema"}


def area_of(view) -> str:
    """The area a view belongs to: its `api_area` if it names one, else its app's."""
    declared = getattr(view, "api_area", None)
    if declared:
        return declared
    top = type(view).__module__.split(".")[0]
    return _MODULE_AREAS.get(top, top)


def allows(scopes: list[str], area: str, write: bool) -> bool:
    """Whether `scopes` let a key read (or, with `write`, change) `area`."""
    if area == "schema" and not write:
        return True  # the contract itself is public to every key
    wanted = {f"{area}:write"} if write else {f"{area}:read", f"{area}:write"}
    return bool(wanted & set(scopes))

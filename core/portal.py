"""The partner portal's seams in the core (ADR 21): which API views a partner user may use,
which fields of a record are internal to us, and the registry by which apps add portal
sections. The scope itself is the access policy's (`policy.partner_scope_q`); the portal's
pages and services live in `partners/portal/`.

A later app (rebates) plugs in without touching the portal:
- its model declares `access = AccessSpec(..., partner="agreement__partner")`: partner users
  then see their partner's rows through the app's ordinary `ScopedViewSetMixin` endpoints and
  `policy.restrict` (the fence below lets such viewsets through, everything else is a 403);
- `portal.register_section("rebates", _("Rebates"), "rebates:portal-list", order=60)` at
  start-up adds its page to the portal's navigation (a page under `/portal/` it routes
  itself, built on `partners.portal.views.PortalPage`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.permissions import SAFE_METHODS

from . import policy

#: Field names internal to us on any record a partner reads: our costs and margins.
INTERNAL_FIELD = re.compile(r"(^|_)(cost|costs|margin)(_|$)")


@dataclass(frozen=True)
class Section:
    key: str
    label: object  # a lazy translation
    url_name: str
    order: int = 50


_SECTIONS: dict[str, Section] = {}


def register_section(key: str, label, url_name: str, *, order: int = 50) -> None:
    """Add a section (a page under /portal/) to the portal's navigation, once per key."""
    _SECTIONS[key] = Section(key, label, url_name, order)


def sections() -> list[Section]:
    return sorted(_SECTIONS.values(), key=lambda s: (s.order, s.key))


def is_internal_field(name: str) -> bool:
    return bool(INTERNAL_FIELD.search(name))


#: What a partner user may do on any scoped viewset: read its list and its records (the policy
#: answers nothing outside the partner scope). Timelines, exports, reports and every write are
#: internal unless a viewset names the action in its `portal_actions`.
PORTAL_ACTIONS = frozenset({"list", "retrieve"})


def api_allows(view, method: str) -> bool:
    """Whether a partner user may call `view` with `method`: a view that says it serves the
    portal (`portal_open = True`: the portal's own, one's notifications); on a scoped viewset,
    reading its list and records, and what it names in `portal_actions` (a qualification's
    upload and download), which its services then judge. Every other view is refused."""
    if getattr(view, "portal_open", False):
        return True
    if not getattr(view, "scoped_by_policy", False):  # not a ScopedViewSetMixin
        return False
    action = getattr(view, "action", None)
    if action in getattr(view, "portal_actions", ()):
        return True
    return method in SAFE_METHODS and action in PORTAL_ACTIONS


def fence(user, method: str, view) -> None:
    """Refuse (403) a partner user's API request to a view not open to them (`api_allows`)."""
    if policy.is_partner_user(user) and not api_allows(view, method):
        raise exceptions.PermissionDenied(_("The partner portal does not offer this."))

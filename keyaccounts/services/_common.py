"""What the services share: who may plan for an org unit."""

from __future__ import annotations

from django.utils.translation import gettext as _

from accounts.models import OrgUnit, User
from core.errors import Forbidden


def manages(user: User, unit: OrgUnit | None) -> bool:
    """Administrators, and sales managers whose unit's subtree holds `unit`."""
    if user is None or not user.is_authenticated:
        return False
    if user.is_admin:
        return True
    return bool(
        user.is_manager and unit is not None and user.org_unit and user.org_unit.contains(unit)
    )


def require_manager(user: User, unit: OrgUnit | None, message: str | None = None) -> None:
    if not manages(user, unit):
        raise Forbidden(message or _("Only a sales manager over this org unit may do this."))

"""Named permissions for integrations (see `core.policy.may`)."""

from __future__ import annotations

from core.policy import is_admin, rule


@rule("integrations.administer")
def administer_integrations(user, obj=None) -> bool:
    """API keys, webhook subscriptions and their delivery log: administrators (signed in as
    people; `IsAdminPerson` also refuses API keys)."""
    return is_admin(user)

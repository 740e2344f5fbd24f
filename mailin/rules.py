"""Named permissions for e-mail in (see `core.policy.may`)."""

from __future__ import annotations

from core.policy import is_admin, rule


@rule("mailin.administer")
def administer_mailin(user, obj=None) -> bool:
    """Inbound mailboxes and the inbound log: administrators."""
    return is_admin(user)

"""Named permissions of the chat channels (see `core.policy.may`)."""

from __future__ import annotations

from core.policy import is_admin, rule


@rule("messaging.administer")
def administer_messaging(user, obj=None) -> bool:
    """The company's chat channels, people's ids in the chat apps and the delivery log:
    administrators."""
    return is_admin(user)

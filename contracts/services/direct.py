"""Writes on the direct-contract rules: administrators only, audited (ADR 14)."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import User
from core.errors import Forbidden
from core.records import record_create, record_update

from ..models import DirectContractRule


def _admin_only(by: User) -> None:
    if not by.is_admin:
        raise Forbidden(_("Only administrators configure direct-contract rules."))


def direct_rule_create(*, by: User, data: dict[str, Any]) -> DirectContractRule:
    """A rule under which contracts of one kind may be signed without an ATC."""
    _admin_only(by)
    with transaction.atomic():
        return record_create(DirectContractRule, by=by, data=data, check_scope=False)


def direct_rule_update(
    *,
    rule: DirectContractRule,
    by: User,
    data: dict[str, Any],
    expected_version: int | None = None,
) -> DirectContractRule:
    """Change a rule (audited, before and after). Contracts already signed under it stay as
    signed; drafts relying on it are judged against the rule as it is when they are signed."""
    _admin_only(by)
    return record_update(
        rule, by=by, data=data, expected_version=expected_version, check_scope=False
    )

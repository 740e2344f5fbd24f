"""Single sign-on mapping rules (ADR 25): how a person's org unit and roles follow from what
the identity provider or the directory says about them (their claims)."""

from __future__ import annotations

from fnmatch import fnmatchcase

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.choices import Role, RoleScope
from core.models import TimeStampedModel

#: Built-in roles a rule may give: a partner user needs their partner, set on the partner.
MAPPABLE_ROLES = [choice for choice in Role.choices if choice[0] != Role.PARTNER]


class SsoMappingRule(TimeStampedModel):
    """When claim `claim` matches `pattern` (a wildcard pattern, `*` and `?`, case-insensitive;
    a list claim such as `groups` matches when any of its values does), the person is placed
    in `org_unit`, gets the built-in `role`, and/or holds the configured role `grant_role` in
    that unit with `grant_scope`. Rules are read by `priority`, lowest first: the first rule
    that sets the unit sets it, the first that sets the role sets it; every matching rule's
    configured role is given."""

    claim = models.CharField(
        _("claim"),
        max_length=100,
        help_text=_("A claim of the provider, e.g. groups, department, email, employee_id."),
    )
    pattern = models.CharField(
        _("value or pattern"),
        max_length=200,
        help_text=_("The value, or a pattern with * and ?, compared without case."),
    )
    org_unit = models.ForeignKey(
        "accounts.OrgUnit",
        verbose_name=_("org unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    role = models.CharField(_("role"), max_length=30, choices=MAPPABLE_ROLES, blank=True)
    grant_role = models.ForeignKey(
        "accounts.RoleDefinition",
        verbose_name=_("configured role"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    grant_scope = models.CharField(
        _("scope"), max_length=10, choices=RoleScope.choices, default=RoleScope.TEAM
    )
    priority = models.PositiveSmallIntegerField(_("priority"), default=100)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("sign-in mapping rule")
        verbose_name_plural = _("sign-in mapping rules")
        ordering = ["priority", "id"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(org_unit=None, role="", grant_role=None),
                name="sso_rule_maps_something",
                violation_error_message=_("A rule sets an org unit, a role or a configured role."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.claim} = {self.pattern}"

    def clean(self) -> None:
        if self.grant_role_id and self.grant_role.builtin:
            raise ValidationError(
                {"grant_role": _("A built-in role is set with the role field, not given here.")}
            )

    def matches(self, claims: dict) -> bool:
        value = claims.get(self.claim)
        values = value if isinstance(value, list | tuple) else [value]
        pattern = self.pattern.casefold()
        return any(
            v is not None and not isinstance(v, dict) and fnmatchcase(str(v).casefold(), pattern)
            for v in values
        )

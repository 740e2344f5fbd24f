"""Roles as permission sets (issue 20.1): an administrator names a set of permissions
(`core.permissions`) and gives it to people, each in an org unit and a scope.

The six built-in roles (`User.role`) keep their behaviour in code (`core.policy`, the rules
modules); they are seeded here as read-only definitions that describe what they grant. A
configured role adds to a person's built-in role, never takes away.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from core.choices import RoleScope
from core.models import TimeStampedModel


class RoleDefinition(TimeStampedModel):
    """A named set of permission codes (`core.permissions.codes()`)."""

    code = models.SlugField(_("code"), max_length=50, unique=True)
    name_en = models.CharField(_("name (English)"), max_length=120)
    name_zh = models.CharField(_("name (Chinese)"), max_length=120, blank=True)
    description = models.TextField(_("description"), blank=True)
    builtin = models.BooleanField(_("built in"), default=False, editable=False)
    permissions = models.JSONField(_("permissions"), default=list, blank=True)

    class Meta:
        verbose_name = _("role")
        verbose_name_plural = _("roles")
        ordering = ["-builtin", "code"]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        """The name in the reader's language (English when no Chinese name was given)."""
        if translation.get_language() and translation.get_language().startswith("zh"):
            return self.name_zh or self.name_en
        return self.name_en

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("roles:edit", args=[self.pk])


class RoleAssignment(models.Model):
    """A configured role held by a person in an org unit, reaching as far as its scope: the
    holder's own records, the unit's, the unit's subtree or the whole company."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="role_assignments",
    )
    role = models.ForeignKey(
        RoleDefinition,
        verbose_name=_("role"),
        on_delete=models.PROTECT,
        related_name="assignments",
    )
    org_unit = models.ForeignKey(
        "accounts.OrgUnit",
        verbose_name=_("org unit"),
        on_delete=models.PROTECT,
        related_name="role_assignments",
    )
    scope = models.CharField(_("scope"), max_length=10, choices=RoleScope.choices)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assigned by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("role assignment")
        verbose_name_plural = _("role assignments")
        ordering = ["user", "role", "org_unit"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "role", "org_unit"], name="role_assignment_once_per_unit"
            ),
            models.CheckConstraint(
                condition=models.Q(scope__in=RoleScope.values), name="role_assignment_scope_known"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.role} · {self.org_unit}"

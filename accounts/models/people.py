"""The sales organisation (company → region → representative office 代表处 → team) and the
people in it, each with one role."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

from core.choices import IdentitySource, OrgUnitKind, Role


class OrgUnit(models.Model):
    """A node of the sales organisation tree.

    `path` is the materialised path of ids ("/1/4/9/"): a unit's subtree is every unit whose
    path starts with its own, which is how the access policy scopes a manager's view.
    """

    name = models.CharField(_("name"), max_length=120)
    code = models.SlugField(_("code"), max_length=40, unique=True)
    kind = models.CharField(_("kind"), max_length=10, choices=OrgUnitKind.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    path = models.CharField(max_length=255, editable=False, db_index=True, default="")
    depth = models.PositiveSmallIntegerField(editable=False, default=0)

    class Meta:
        verbose_name = _("org unit")
        verbose_name_plural = _("org units")
        ordering = ["path"]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        super().save(*args, **kwargs)
        path = f"{self.parent.path if self.parent else '/'}{self.pk}/"
        if path != self.path:
            self.path, self.depth = path, path.count("/") - 2
            OrgUnit.objects.filter(pk=self.pk).update(path=self.path, depth=self.depth)

    def ancestor_ids(self) -> list[int]:
        """Ids from the root down to this unit itself."""
        return [int(part) for part in self.path.strip("/").split("/") if part]

    def contains(self, other: OrgUnit | None) -> bool:
        return other is not None and other.path.startswith(self.path)

    def subtree(self) -> models.QuerySet[OrgUnit]:
        return OrgUnit.objects.filter(path__startswith=self.path)

    def office(self) -> OrgUnit:
        """The representative office this unit belongs to (or the nearest unit above a team)."""
        chain = {u.pk: u for u in OrgUnit.objects.filter(pk__in=self.ancestor_ids())}
        for pk in reversed(self.ancestor_ids()):
            if chain[pk].kind in (OrgUnitKind.OFFICE, OrgUnitKind.REGION, OrgUnitKind.COMPANY):
                return chain[pk]
        return self


class User(AbstractUser):
    """A person using the CRM: a role and a place in the org tree decide what they see."""

    role = models.CharField(_("role"), max_length=30, choices=Role.choices, default=Role.SALES_REP)
    org_unit = models.ForeignKey(
        OrgUnit,
        verbose_name=_("org unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="members",
    )
    title = models.CharField(_("job title"), max_length=120, blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    language = models.CharField(
        _("language"), max_length=10, choices=settings.LANGUAGES, blank=True
    )
    # The configured roles' assignments (`RoleAssignment`), compiled for the access policy by
    # `accounts.services.roles` whenever one changes: read with the user, asked for free.
    role_grants = models.JSONField(default=list, blank=True, editable=False)
    # A partner user's partner (role "partner", ADR 21), compiled from `partners.PartnerMember`
    # by its services (accounts does not import partners: an opaque id), so the access policy
    # knows it with the user, without a query.
    portal_partner = models.PositiveBigIntegerField(null=True, blank=True, editable=False)
    # Single sign-on (ADR 25): the company's employee number, the key an identity provider or
    # the directory names a person by when e-mail addresses change; unique when set.
    employee_id = models.CharField(_("employee id"), max_length=64, blank=True)
    # Where the person signs in from ("" this app's password, "oidc", "ldap"), and whether this
    # app's own password still works for them (switched off for SSO users, SSO_PASSWORDS_OFF).
    identity_source = models.CharField(
        _("signs in with"), max_length=10, choices=IdentitySource.choices, blank=True
    )
    password_sign_in = models.BooleanField(
        _("password sign-in allowed"),
        default=True,
        help_text=_("Off: this person signs in only through single sign-on."),
    )
    email_digest = models.BooleanField(
        _("daily e-mail digest"),
        default=False,
        help_text=_("Send one e-mail a day with all notifications instead of one each."),
    )

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["username"]
        constraints = [
            # One person per e-mail address, whatever its case (an identity system's key).
            models.UniqueConstraint(
                Lower("email"), condition=~Q(email=""), name="user_email_unique_ci"
            ),
            models.UniqueConstraint(
                fields=["employee_id"], condition=~Q(employee_id=""), name="user_employee_id_unique"
            ),
        ]

    def __str__(self) -> str:
        return self.get_full_name() or self.username

    @property
    def is_manager(self) -> bool:
        return self.role == Role.SALES_MANAGER

    @property
    def is_finance(self) -> bool:
        return self.role == Role.FINANCE

    @property
    def is_admin(self) -> bool:
        return self.is_superuser or self.role == Role.ADMIN

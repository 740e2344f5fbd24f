"""Customer registrations (客户报备): a rep registers an account, or one project at it, and
it is protected for them for a configured period, renewed with activity, released or expired
when it ends; a registration that collides with someone else's protection waits for a sales
manager's ruling (docs/adr/0016-customer-registration.md)."""

from __future__ import annotations

import unicodedata

from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, transition

from core.models import TimeStampedModel
from core.policy import AccessSpec

from ..choices import RegistrationState
from .parties import Customer
from .people import OrgUnit, User

S = RegistrationState


def project_key(project: str) -> str:
    """The project name as compared: case, full-width forms and spacing set aside."""
    return "".join(unicodedata.normalize("NFKC", project or "").casefold().split())


class CustomerRegistration(ConcurrentTransitionMixin, TimeStampedModel):
    """One rep's claim on a customer, or on one named project at it (客户报备).

    `protected` means the owner holds it until `protected_until`; the database allows one
    protected registration per customer and project (`project_key`, empty for the whole
    customer). A registration made while a colleague holds the protection waits in
    `pending_ruling`, naming that registration (`competing`), until a sales manager over its
    unit rules (`ruled_by`, `ruling_comment`). `renewed_at` is when the protection last began
    or was renewed: a renewal needs an activity on the customer after it.
    """

    access = AccessSpec(owner="owner", unit="org_unit")

    customer = models.ForeignKey(
        Customer,
        verbose_name=_("customer"),
        on_delete=models.PROTECT,
        related_name="registrations",
    )
    project = models.CharField(_("project"), max_length=200, blank=True)
    project_key = models.CharField(max_length=200, editable=False, default="", blank=True)
    owner = models.ForeignKey(
        User, verbose_name=_("registered for"), on_delete=models.PROTECT, related_name="+"
    )
    registered_by = models.ForeignKey(
        User,
        verbose_name=_("registered by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    org_unit = models.ForeignKey(
        OrgUnit, verbose_name=_("org unit"), on_delete=models.PROTECT, related_name="+"
    )
    #: Held through a channel: "" for our own rep, else the later app's key of the party it
    #: protects ("partner:12", ADR 20); `owner` is then our person responsible for it.
    channel = models.CharField(max_length=40, blank=True, default="", editable=False)
    channel_name = models.CharField(_("held for"), max_length=200, blank=True, editable=False)
    state = FSMField(
        _("state"), choices=S.choices, default=S.PENDING_RULING, protected=True, db_index=True
    )
    protected_until = models.DateField(_("protected until"), null=True, blank=True)
    renewed_at = models.DateTimeField(_("protection began or renewed"), null=True, blank=True)
    last_activity_at = models.DateTimeField(_("last activity"), null=True, blank=True)
    ended_at = models.DateTimeField(_("ended"), null=True, blank=True)
    competing = models.ForeignKey(
        "self",
        verbose_name=_("competing registration"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="challenges",
    )
    ruled_by = models.ForeignKey(
        User,
        verbose_name=_("ruled by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    ruled_at = models.DateTimeField(_("ruled at"), null=True, blank=True)
    ruling_comment = models.TextField(_("ruling comment"), blank=True)

    class Meta:
        verbose_name = _("customer registration")
        verbose_name_plural = _("customer registrations")
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["state", "protected_until"], name="registration_due_idx"),
            models.Index(fields=["customer", "state"], name="registration_customer_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["customer", "project_key"],
                condition=Q(state=S.PROTECTED),
                name="registration_one_protected",
            ),
            models.UniqueConstraint(
                fields=["customer", "project_key", "owner", "channel"],
                condition=Q(state=S.PENDING_RULING),
                name="registration_one_pending_per_owner",
            ),
            models.CheckConstraint(
                condition=~Q(state=S.PROTECTED) | Q(protected_until__isnull=False),
                name="registration_protected_has_end",
            ),
        ]

    @property
    def holder_name(self) -> str:
        """Whom the protection is for, in words: the rep, or the partner and its manager."""
        if self.channel_name:
            return f"{self.channel_name} ({self.owner})"
        return str(self.owner)

    def __str__(self) -> str:
        if self.project:
            return f"{self.customer} · {self.project}"
        return str(self.customer)

    def get_absolute_url(self) -> str:
        return reverse("accounts:registration-detail", args=[self.pk])

    def save(self, *args, **kwargs):
        self.project = (self.project or "").strip()
        self.project_key = project_key(self.project)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "project" in update_fields:
            kwargs["update_fields"] = {*update_fields, "project_key"}
        super().save(*args, **kwargs)

    # --- transitions: each run by its service (internal), never from a generic button ---------

    @transition(
        field=state,
        source=S.PROTECTED,
        target=S.PROTECTED,
        custom={"label": _("Renew"), "internal": True},
    )
    def renew(self, *, by=None, reason="", comment=""):
        """The holder worked the account: the protection runs on."""

    @transition(
        field=state,
        source=S.PROTECTED,
        target=S.RELEASED,
        custom={"label": _("Release"), "internal": True},
    )
    def release(self, *, by=None, reason="", comment=""):
        """The holder (or a manager) gives the account back."""

    @transition(
        field=state,
        source=S.PROTECTED,
        target=S.EXPIRED,
        custom={"label": _("Expire"), "internal": True},
    )
    def expire(self, *, by=None, reason="", comment=""):
        """The period ran out without activity (the hourly job)."""

    @transition(
        field=state,
        source=S.PENDING_RULING,
        target=S.PROTECTED,
        custom={"label": _("Award"), "internal": True},
    )
    def award(self, *, by=None, reason="", comment=""):
        """A manager's ruling gives this registration the protection."""

    @transition(
        field=state,
        source=[S.PENDING_RULING, S.PROTECTED],
        target=S.REJECTED,
        custom={"label": _("Reject"), "internal": True},
    )
    def reject(self, *, by=None, reason="", comment=""):
        """A manager's ruling gave the protection to the other registration."""

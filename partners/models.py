"""Channel partners (渠道伙伴, issue 21): partners as parties of their own kind, their yearly
agreements, qualification evidence, and the projects they register (项目报备).

A partner belongs to its partner manager (渠道经理) and the manager's unit, as a customer
belongs to its owner: the one access policy scopes it and everything that is part of it.
A partner's project registration runs through approval here; the protection it earns is an
`accounts.CustomerRegistration` held through the partner's channel (ADR 20), so partners and
our own reps share one table of protections, one constraint and one ruling.
"""

from __future__ import annotations

import uuid
from pathlib import PurePath

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, transition

from accounts.models import Customer, CustomerRegistration, OrgUnit, User
from core.models import TimeStampedModel
from core.money import CurrencyField, MoneyField
from core.policy import AccessSpec

from .choices import (
    PartnerRegistrationState,
    PartnerState,
    PartnerTier,
    QualificationKind,
    QualificationStatus,
)

P = PartnerState
R = PartnerRegistrationState


class Partner(ConcurrentTransitionMixin, TimeStampedModel):
    """A channel partner: a general distributor, agent, OEM maker or service provider (总代 /
    代理 / OEM / 服务商), with the territory (provinces, as customers' `region`) and product
    lines it may sell, admitted through the approval engine (准入) and run by its partner
    manager. An empty territory means the whole country. Partner users (the portal, later)
    will be `User` rows linked to a partner; nothing here assumes a partner signs in."""

    access = AccessSpec(owner="manager", unit="org_unit", area="partners", partner="id")

    name = models.CharField(_("name"), max_length=200)
    tier = models.CharField(_("tier"), max_length=30, choices=PartnerTier.choices)
    territories = models.JSONField(_("territory"), default=list, blank=True)
    product_lines = models.JSONField(_("product lines"), default=list, blank=True)
    manager = models.ForeignKey(
        User, verbose_name=_("partner manager"), on_delete=models.PROTECT, related_name="+"
    )
    org_unit = models.ForeignKey(
        OrgUnit, verbose_name=_("org unit"), on_delete=models.PROTECT, related_name="+"
    )
    contact_name = models.CharField(_("contact"), max_length=100, blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=40, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    state = FSMField(_("state"), choices=P.choices, default=P.CANDIDATE, protected=True)
    admitted_at = models.DateTimeField(_("admitted"), null=True, blank=True)

    class Meta:
        verbose_name = _("partner")
        verbose_name_plural = _("partners")
        ordering = ["name", "id"]
        indexes = [
            models.Index(fields=["manager", "state"], name="partner_manager_idx"),
            models.Index(fields=["org_unit", "state"], name="partner_unit_idx"),
            models.Index(fields=["tier", "state"], name="partner_tier_idx"),
        ]
        constraints = [
            models.UniqueConstraint(Lower("name"), name="partner_name_unique"),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("partners:detail", args=[self.pk])

    def sells_in(self, region: str) -> bool:
        if not self.territories:
            return True
        wanted = (region or "").strip().casefold()
        return bool(wanted) and wanted in {t.strip().casefold() for t in self.territories}

    def sells_line(self, product_line: str) -> bool:
        wanted = (product_line or "").strip().casefold()
        return bool(wanted) and wanted in {p.strip().casefold() for p in self.product_lines}

    # --- transitions: run by the admission services and the approval engine ------------------

    @transition(
        field=state,
        source=[P.CANDIDATE, P.REFUSED],
        target=P.IN_ADMISSION,
        custom={"label": _("Submit for admission"), "internal": True},
    )
    def submit(self, *, by=None, reason="", comment=""):
        """The partner manager asks for admission (准入)."""

    @transition(
        field=state,
        source=P.IN_ADMISSION,
        target=P.ADMITTED,
        custom={"label": _("Admit"), "internal": True},
    )
    def admit(self, *, by=None, reason="", comment=""):
        """The admission's approval chain approved."""
        self.admitted_at = timezone.now()

    @transition(
        field=state,
        source=P.IN_ADMISSION,
        target=P.REFUSED,
        custom={"label": _("Refuse"), "internal": True},
    )
    def refuse(self, *, by=None, reason="", comment=""):
        """The admission's approval chain rejected."""

    @transition(
        field=state,
        source=P.IN_ADMISSION,
        target=P.CANDIDATE,
        custom={"label": _("Back to candidate"), "internal": True},
    )
    def reopen(self, *, by=None, reason="", comment=""):
        """The admission was sent back for rework or withdrawn."""


class PartnerAgreement(TimeStampedModel):
    """The channel agreement of one year (渠道协议): targets, the discount band the partner
    buys within and the deposit held (保证金). One per year. Its rebate scheme (返利) is a
    `channels.RebateScheme` attached to it (ADR 22)."""

    access = AccessSpec(via="partner", partner="partner")

    partner = models.ForeignKey(
        Partner, verbose_name=_("partner"), on_delete=models.PROTECT, related_name="agreements"
    )
    year = models.PositiveSmallIntegerField(_("year"))
    currency = CurrencyField(_("currency"))
    target_amount = MoneyField(_("sales target"), default=0)
    discount_min_pct = models.DecimalField(
        _("lowest discount (%)"), max_digits=5, decimal_places=2, default=0
    )
    discount_max_pct = models.DecimalField(
        _("highest discount (%)"), max_digits=5, decimal_places=2, default=0
    )
    deposit_amount = MoneyField(_("deposit held"), default=0)

    class Meta:
        verbose_name = _("partner agreement")
        verbose_name_plural = _("partner agreements")
        ordering = ["-year", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["partner", "year"], name="partner_agreement_one_a_year"
            ),
            models.CheckConstraint(
                condition=Q(year__gte=2000, year__lte=2100), name="partner_agreement_year_range"
            ),
            models.CheckConstraint(
                condition=Q(target_amount__gte=0) & Q(deposit_amount__gte=0),
                name="partner_agreement_amounts_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(discount_min_pct__gte=0)
                & Q(discount_min_pct__lte=models.F("discount_max_pct"))
                & Q(discount_max_pct__lte=100),
                name="partner_agreement_discount_band",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.partner} · {self.year}"

    def get_absolute_url(self) -> str:
        return f"{self.partner.get_absolute_url()}#agreements"


def qualification_path(qualification: PartnerQualification, filename: str) -> str:
    """A stored name nobody can guess or collide with; the user's name is kept in a field."""
    suffix = PurePath(filename).suffix.lower()
    return f"partners/{qualification.partner_id}/{uuid.uuid4().hex}{suffix}"


class PartnerQualification(models.Model):
    """One qualification of a partner (资质) with its evidence file and expiry: reviewed
    (verified or rejected) by a sales manager, or with the admission. A partner sells only
    while a verified qualification is in date; its manager is reminded before it expires."""

    access = AccessSpec(via="partner", partner="partner")

    partner = models.ForeignKey(
        Partner,
        verbose_name=_("partner"),
        on_delete=models.PROTECT,
        related_name="qualifications",
    )
    kind = models.CharField(_("kind"), max_length=30, choices=QualificationKind.choices)
    title = models.CharField(_("title"), max_length=200, blank=True)
    valid_until = models.DateField(_("valid until"))
    status = models.CharField(
        _("review"),
        max_length=20,
        choices=QualificationStatus.choices,
        default=QualificationStatus.PENDING,
    )
    reviewed_by = models.ForeignKey(
        User,
        verbose_name=_("reviewed by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    reviewed_at = models.DateTimeField(_("reviewed"), null=True, blank=True)
    file = models.FileField(_("file"), upload_to=qualification_path, max_length=255)
    original_name = models.CharField(_("file name"), max_length=255, editable=False)
    content_type = models.CharField(_("content type"), max_length=100, editable=False)
    size = models.PositiveBigIntegerField(_("size (bytes)"), editable=False)
    sha256 = models.CharField(_("SHA-256"), max_length=64, editable=False)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("uploaded"), auto_now_add=True)

    class Meta:
        verbose_name = _("partner qualification")
        verbose_name_plural = _("partner qualifications")
        ordering = ["valid_until", "id"]
        indexes = [
            models.Index(fields=["partner", "status", "valid_until"], name="qualification_idx"),
            models.Index(fields=["status", "valid_until"], name="qualification_due_idx"),
        ]

    def __str__(self) -> str:
        return self.title or self.get_kind_display()

    def get_absolute_url(self) -> str:
        return reverse("partners:qualification-download", args=[self.pk])


class QualificationNotice(models.Model):
    """The claim of one expiry reminder: unique per qualification and expiry date, inserted in
    a savepoint before the reminder is sent (ADR 7), so a re-run or a concurrent run sends
    nothing twice; a renewed document (a new date) is reminded again."""

    qualification = models.ForeignKey(
        PartnerQualification, on_delete=models.CASCADE, related_name="notices"
    )
    valid_until = models.DateField()
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["qualification", "valid_until"], name="qualification_notice_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.qualification_id} · {self.valid_until}"


class PartnerRegistration(ConcurrentTransitionMixin, TimeStampedModel):
    """A project a partner registers (项目报备): the end customer, the project, the product line
    and an estimate. It goes through the approval engine; approved, it holds (or contests) a
    protection, the `protection` customer registration held through the partner's channel;
    later it becomes an opportunity with the partner on it."""

    access = AccessSpec(via="partner", partner="partner")

    partner = models.ForeignKey(
        Partner, verbose_name=_("partner"), on_delete=models.PROTECT, related_name="registrations"
    )
    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.PROTECT, related_name="+"
    )
    project = models.CharField(_("project"), max_length=200)
    product_line = models.CharField(_("product line"), max_length=100)
    currency = CurrencyField(_("currency"))
    estimated_amount = MoneyField(_("estimated amount"), default=0)
    description = models.TextField(_("description"), blank=True)
    contest = models.BooleanField(_("ask for a ruling if held"), default=False)
    state = FSMField(_("state"), choices=R.choices, default=R.SUBMITTED, protected=True)
    submitted_by = models.ForeignKey(
        User, verbose_name=_("submitted by"), on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    protection = models.OneToOneField(
        CustomerRegistration,
        verbose_name=_("protection"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="partner_registration",
    )

    class Meta:
        verbose_name = _("partner project registration")
        verbose_name_plural = _("partner project registrations")
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["partner", "state"], name="partner_registration_idx"),
            models.Index(fields=["customer", "state"], name="partner_reg_customer_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.customer} · {self.project}"

    def get_absolute_url(self) -> str:
        return reverse("partners:registration-detail", args=[self.pk])

    @property
    def channel(self) -> str:
        return f"partner:{self.partner_id}"

    @transition(
        field=state,
        source=R.SUBMITTED,
        target=R.APPROVED,
        custom={"label": _("Approve"), "internal": True},
    )
    def approve(self, *, by=None, reason="", comment=""):
        """The registration's approval chain approved: the protection is claimed."""

    @transition(
        field=state,
        source=R.SUBMITTED,
        target=R.REJECTED,
        custom={"label": _("Reject"), "internal": True},
    )
    def reject(self, *, by=None, reason="", comment=""):
        """The registration's approval chain rejected."""

    @transition(
        field=state,
        source=R.SUBMITTED,
        target=R.RETURNED,
        custom={"label": _("Send back"), "internal": True},
    )
    def send_back(self, *, by=None, reason="", comment=""):
        """Sent back for rework."""

    @transition(
        field=state,
        source=[R.SUBMITTED, R.RETURNED],
        target=R.WITHDRAWN,
        custom={"label": _("Withdraw"), "internal": True},
    )
    def withdraw(self, *, by=None, reason="", comment=""):
        """The partner manager takes it back."""


class PartnerMember(TimeStampedModel):
    """A person of a partner who signs in to the partner portal (issue 21.3, ADR 21): a user
    with the role "partner", tied to exactly one partner (one-to-one on the user), added and
    deactivated by the partner's manager. The user row carries the partner's id for the
    access policy (`User.portal_partner`), kept by `partners.services.members`."""

    access = AccessSpec(via="partner", partner="partner")

    partner = models.ForeignKey(
        Partner, verbose_name=_("partner"), on_delete=models.PROTECT, related_name="members"
    )
    user = models.OneToOneField(
        User, verbose_name=_("user"), on_delete=models.PROTECT, related_name="partner_membership"
    )
    active = models.BooleanField(_("active"), default=True)
    added_by = models.ForeignKey(
        User, verbose_name=_("added by"), on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("partner user")
        verbose_name_plural = _("partner users")
        ordering = ["partner", "user__username"]
        indexes = [models.Index(fields=["partner", "active"], name="partner_member_idx")]

    def __str__(self) -> str:
        return f"{self.user} · {self.partner}"

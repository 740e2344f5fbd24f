"""The accounts we sell to: customers (merged duplicates kept as tombstones), their contacts
and the other names they go by."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, FSMModelMixin, transition

from core.custom_fields import CustomValuesField, CustomValuesMixin
from core.models import TimeStampedModel
from core.money import CurrencyField, MoneyField
from core.policy import AccessSpec
from core.validators import CreditCodeField, EmailField, PhoneField, URLField

from ..choices import (
    CustomerVetting,
    Industry,
    Tier,
)
from ..normalise import normalise_company_name, normalise_email, normalise_phone
from .people import OrgUnit, User


class ActiveCustomerManager(models.Manager):
    """Customers still in use: a customer merged into another is a tombstone, kept only so old
    links resolve, and is never listed, picked or matched again."""

    def get_queryset(self):
        return super().get_queryset().filter(merged_into__isnull=True)


class Customer(CustomValuesMixin, FSMModelMixin, TimeStampedModel):
    """A customer account (客户). `owner` is the registered account manager (客户报备).

    A customer merged into another keeps its row as a tombstone (`merged_into`): its related
    records moved to the survivor, its own history stays on its timeline, and its page sends
    visitors on to the survivor. `objects` leaves tombstones out; `all_objects` has them.
    """

    access = AccessSpec(owner="owner", unit="org_unit", finance="view", area="customers")

    objects = ActiveCustomerManager()
    all_objects = models.Manager()

    name = models.CharField(_("name"), max_length=200)
    normalised_name = models.CharField(
        _("normalised name"), max_length=200, editable=False, db_index=True
    )
    credit_code = CreditCodeField(
        _("unified social credit code"),
        max_length=18,
        blank=True,
        help_text=_("统一社会信用代码, 18 characters."),
    )
    industry = models.CharField(
        _("industry"), max_length=20, choices=Industry.choices, default=Industry.ENTERPRISE
    )
    region = models.CharField(_("province / region"), max_length=60, blank=True)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("group company"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="subsidiaries",
    )
    tier = models.CharField(_("tier"), max_length=10, choices=Tier.choices, default=Tier.NORMAL)
    annual_revenue = MoneyField(_("annual revenue"), null=True, blank=True)
    revenue_currency = CurrencyField(_("revenue currency"), db_default="CNY")
    #: The vetting (客户审批, ADR 19): pending until its approval ends; moved only by the
    #: approval's outcome (`accounts.services.vetting`), never by an edit.
    state = FSMField(
        _("approval"),
        choices=CustomerVetting.choices,
        default=CustomerVetting.APPROVED,
        protected=True,
        db_index=True,
    )
    owner = models.ForeignKey(
        User,
        verbose_name=_("account manager"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="customers",
    )
    org_unit = models.ForeignKey(
        OrgUnit, verbose_name=_("org unit"), on_delete=models.PROTECT, related_name="customers"
    )
    phone = PhoneField(_("phone"), max_length=40, blank=True)
    email = EmailField(_("e-mail"), blank=True)
    website = URLField(_("website"), blank=True)
    address = models.CharField(_("address"), max_length=255, blank=True)
    external_id = models.CharField(_("external id"), max_length=64, blank=True)
    merged_into = models.ForeignKey(
        "self",
        verbose_name=_("merged into"),
        null=True,
        blank=True,
        editable=False,
        on_delete=models.PROTECT,
        related_name="merged_from",
    )
    merged_at = models.DateTimeField(_("merged at"), null=True, blank=True, editable=False)

    custom = CustomValuesField()

    class Meta:
        verbose_name = _("customer")
        base_manager_name = "all_objects"
        verbose_name_plural = _("customers")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["credit_code"],
                condition=~Q(credit_code=""),
                name="customer_credit_code_unique",
            ),
            models.UniqueConstraint(
                fields=["external_id"],
                condition=~Q(external_id=""),
                name="customer_external_id_unique",
            ),
            models.CheckConstraint(
                condition=Q(annual_revenue__isnull=True) | Q(annual_revenue__gte=0),
                name="customer_annual_revenue_gte_0",
            ),
        ]
        indexes = [
            models.Index(fields=["org_unit", "name"]),
            models.Index(fields=["owner", "name"]),
            models.Index(fields=["tier"]),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("accounts:customer-detail", args=[self.pk])

    @property
    def is_merged(self) -> bool:
        return self.merged_into_id is not None

    @property
    def is_approved(self) -> bool:
        return self.state == CustomerVetting.APPROVED

    @transition(
        field=state,
        source=CustomerVetting.PENDING,
        target=CustomerVetting.APPROVED,
        custom={"label": _("Approve the new customer"), "internal": True},
    )
    def approve(self, *, by=None, reason="", comment=""):
        """Its approval ended approved: the customer is listed (列名)."""

    @transition(
        field=state,
        source=CustomerVetting.PENDING,
        target=CustomerVetting.REJECTED,
        custom={"label": _("Reject the new customer"), "internal": True},
    )
    def reject(self, *, by=None, reason="", comment=""):
        """Its approval ended rejected: its deals cannot advance."""

    def save(self, *args, **kwargs):
        self.normalised_name = normalise_company_name(self.name)
        self.credit_code = (self.credit_code or "").strip().upper()
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "name" in update_fields:
            kwargs["update_fields"] = {*update_fields, "normalised_name"}
        super().save(*args, **kwargs)


class ActiveContactManager(models.Manager):
    """Contacts still in use: one merged into another is a tombstone, never listed or matched."""

    def get_queryset(self):
        return super().get_queryset().filter(merged_into__isnull=True)


class Contact(CustomValuesMixin, TimeStampedModel):
    """A person at a customer.

    A contact merged into another (a duplicate of the same person at the same customer) keeps
    its row as a tombstone (`merged_into`), so old links resolve to the survivor; `objects`
    leaves tombstones out, `all_objects` has them (accounts.contact_dedupe).
    """

    access = AccessSpec(via="customer", area="contacts")

    objects = ActiveContactManager()
    all_objects = models.Manager()

    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.CASCADE, related_name="contacts"
    )
    name = models.CharField(_("full name"), max_length=120)
    title = models.CharField(_("job title"), max_length=120, blank=True)
    department = models.CharField(_("department"), max_length=120, blank=True)
    phone = PhoneField(_("phone"), max_length=40, blank=True)
    normalised_phone = models.CharField(max_length=40, editable=False, db_index=True, default="")
    email = EmailField(_("e-mail"), blank=True)
    normalised_email = models.CharField(max_length=254, editable=False, db_index=True, default="")
    notes = models.TextField(_("notes"), blank=True)
    external_id = models.CharField(_("external id"), max_length=64, blank=True)
    merged_into = models.ForeignKey(
        "self",
        verbose_name=_("merged into"),
        null=True,
        blank=True,
        editable=False,
        on_delete=models.PROTECT,
        related_name="merged_from",
    )
    merged_at = models.DateTimeField(_("merged at"), null=True, blank=True, editable=False)

    custom = CustomValuesField()

    class Meta:
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        base_manager_name = "all_objects"
        ordering = ["customer", "name"]
        indexes = [
            models.Index(fields=["customer", "merged_into"], name="contact_customer_merged_idx")
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["external_id"],
                condition=~Q(external_id=""),
                name="contact_external_id_unique",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return f"{self.customer.get_absolute_url()}#contact-{self.pk}"

    @property
    def is_merged(self) -> bool:
        return self.merged_into_id is not None

    def save(self, *args, **kwargs):
        self.normalised_phone = normalise_phone(self.phone)
        self.normalised_email = normalise_email(self.email)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None:
            extra = {"phone": "normalised_phone", "email": "normalised_email"}
            kwargs["update_fields"] = {
                *update_fields,
                *(extra[f] for f in extra if f in update_fields),
            }
        super().save(*args, **kwargs)


class CustomerAlias(TimeStampedModel):
    """Another name a customer goes by — the short name everyone uses (广东移动 for
    中国移动通信集团广东有限公司), a former or English name — kept by users. Duplicate search,
    imports and lead capture match a name on its aliases as on the customer's own name.

    An alias names one customer only: its normalised form is unique (a database constraint).
    """

    access = AccessSpec(via="customer")

    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.CASCADE, related_name="aliases"
    )
    alias = models.CharField(_("alias"), max_length=200)
    normalised_alias = models.CharField(_("normalised alias"), max_length=200, editable=False)

    class Meta:
        verbose_name = _("customer alias")
        verbose_name_plural = _("customer aliases")
        ordering = ["customer", "alias"]
        constraints = [
            models.UniqueConstraint(fields=["normalised_alias"], name="customer_alias_unique"),
        ]

    def __str__(self) -> str:
        return self.alias

    def save(self, *args, **kwargs):
        self.normalised_alias = normalise_company_name(self.alias)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "alias" in update_fields:
            kwargs["update_fields"] = {*update_fields, "normalised_alias"}
        super().save(*args, **kwargs)

"""Parties: the people who sell and the customers they sell to.

OrgUnit is the sales organisation (company → region → representative office 代表处 → team);
User is a person in it with one role; Customer and Contact are the accounts we sell to;
IronTriangle is the AR/SR/FR team (铁三角) an opportunity or contract is run by.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.choices import OrgUnitKind, Role, TriangleRole
from core.fsm import GuardedStates
from core.models import TimeStampedModel
from core.money import CurrencyField, MoneyField
from core.policy import AccessSpec
from core.validators import CreditCodeField, EmailField, PhoneField, URLField

from .choices import (
    ActivityKind,
    ChainRole,
    CoachLevel,
    ImportStatus,
    Industry,
    IssueLevel,
    RelationshipStrength,
    Stance,
    Tier,
)
from .normalise import normalise_company_name, normalise_email, normalise_phone


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


class ActiveCustomerManager(models.Manager):
    """Customers still in use: a customer merged into another is a tombstone, kept only so old
    links resolve, and is never listed, picked or matched again."""

    def get_queryset(self):
        return super().get_queryset().filter(merged_into__isnull=True)


class Customer(TimeStampedModel):
    """A customer account (客户). `owner` is the registered account manager (客户报备).

    A customer merged into another keeps its row as a tombstone (`merged_into`): its related
    records moved to the survivor, its own history stays on its timeline, and its page sends
    visitors on to the survivor. `objects` leaves tombstones out; `all_objects` has them.
    """

    access = AccessSpec(owner="owner", unit="org_unit", finance="view")

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


class Contact(TimeStampedModel):
    """A person at a customer.

    A contact merged into another (a duplicate of the same person at the same customer) keeps
    its row as a tombstone (`merged_into`), so old links resolve to the survivor; `objects`
    leaves tombstones out, `all_objects` has them (accounts.contact_dedupe).
    """

    access = AccessSpec(via="customer")

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


class IronTriangle(models.Model):
    """The iron triangle (铁三角): AR, SR and FR, plus any further members.

    Opportunities and contracts each own one. A contract made from an opportunity gets a
    copy, so changes during execution never rewrite the opportunity's history.
    """

    class Meta:
        verbose_name = _("iron triangle")
        verbose_name_plural = _("iron triangles")

    def __str__(self) -> str:
        seats = {m.role: m.user for m in self.members.all()}
        return " / ".join(
            f"{role.upper()}: {seats[role]}" for role in ("ar", "sr", "fr") if role in seats
        ) or str(_("(empty team)"))

    def seat(self, role: str) -> User | None:
        for member in self.members.all():
            if member.role == role:
                return member.user
        return None

    @property
    def ar(self) -> User | None:
        return self.seat(TriangleRole.AR)

    @property
    def sr(self) -> User | None:
        return self.seat(TriangleRole.SR)

    @property
    def fr(self) -> User | None:
        return self.seat(TriangleRole.FR)

    def missing_seats(self) -> list[str]:
        """The AR/SR/FR seats still empty: a gate cannot open until this is empty."""
        filled = {m.role for m in self.members.all()}
        return [r for r in (TriangleRole.AR, TriangleRole.SR, TriangleRole.FR) if r not in filled]

    @property
    def is_complete(self) -> bool:
        return not self.missing_seats()

    def roles_of(self, user) -> list[str]:
        return [m.role for m in self.members.all() if m.user_id == user.pk]


class IronTriangleMember(models.Model):
    team = models.ForeignKey(IronTriangle, on_delete=models.CASCADE, related_name="members")
    user = models.ForeignKey(
        User, verbose_name=_("user"), on_delete=models.PROTECT, related_name="team_seats"
    )
    role = models.CharField(_("seat"), max_length=10, choices=TriangleRole.choices)

    class Meta:
        verbose_name = _("iron triangle member")
        verbose_name_plural = _("iron triangle members")
        constraints = [
            models.UniqueConstraint(
                fields=["team", "role"],
                condition=~Q(role=TriangleRole.MEMBER),
                name="one_user_per_triangle_seat",
            ),
            models.UniqueConstraint(
                fields=["team", "user", "role"], name="triangle_member_once_per_seat"
            ),
        ]
        indexes = [models.Index(fields=["user", "team"])]

    def __str__(self) -> str:
        return f"{self.get_role_display()}: {self.user}"


class Activity(TimeStampedModel):
    """A customer interaction: a visit, call, e-mail, meeting or demo, with its notes, outcome
    and the next step agreed (with its date).

    Every stage records them on its own records through the generic `subject` (a lead, an
    opportunity, a contract or the customer itself), so this app never imports a later one.
    A lead's activities are its follow-up record (线索跟进记录表); they stay on the lead after
    conversion, so the opportunity can show them too. A next step past its date and not done is
    flagged to the owner once (`overdue_notified_at`).
    """

    access = AccessSpec(owner="owner", unit="org_unit")

    kind = models.CharField(_("kind"), max_length=20, choices=ActivityKind.choices)
    subject_type = models.ForeignKey(
        ContentType, verbose_name=_("record type"), on_delete=models.PROTECT, related_name="+"
    )
    subject_id = models.PositiveBigIntegerField(_("record"))
    subject = GenericForeignKey("subject_type", "subject_id")
    customer = models.ForeignKey(
        Customer,
        verbose_name=_("customer"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="activities",
    )
    contact = models.ForeignKey(
        Contact,
        verbose_name=_("contact"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="activities",
    )
    owner = models.ForeignKey(
        User, verbose_name=_("owner"), on_delete=models.PROTECT, related_name="activities"
    )
    org_unit = models.ForeignKey(
        OrgUnit, verbose_name=_("org unit"), on_delete=models.PROTECT, related_name="+"
    )
    occurred_at = models.DateTimeField(_("when"), default=timezone.now)
    summary = models.CharField(_("summary"), max_length=200)
    notes = models.TextField(_("notes"), blank=True)
    outcome = models.TextField(_("outcome"), blank=True)
    next_step = models.CharField(_("next step"), max_length=255, blank=True)
    next_step_date = models.DateField(_("next step date"), null=True, blank=True)
    next_step_done_at = models.DateTimeField(_("next step done"), null=True, blank=True)
    overdue_notified_at = models.DateTimeField(
        _("overdue flagged"), null=True, blank=True, editable=False
    )
    # A collection call's promise (a payment milestone's): when and how much the customer said
    # they would pay, in the milestone's currency.
    promised_payment_date = models.DateField(_("promised payment date"), null=True, blank=True)
    promised_amount = MoneyField(_("promised amount"), null=True, blank=True)
    promised_currency = CurrencyField(_("currency"), blank=True, editable=False)
    created_by = models.ForeignKey(
        User,
        verbose_name=_("recorded by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("activity")
        verbose_name_plural = _("activities")
        ordering = ["-occurred_at", "-id"]
        indexes = [
            models.Index(fields=["subject_type", "subject_id", "-occurred_at"]),
            models.Index(fields=["customer", "-occurred_at"]),
            models.Index(fields=["owner", "-occurred_at"]),
            models.Index(fields=["org_unit", "-occurred_at"]),
            models.Index(
                fields=["next_step_date"],
                condition=Q(next_step_done_at__isnull=True, next_step_date__isnull=False),
                name="activity_open_next_step",
            ),
            # Each record's "overdue next step" flag in lists (an EXISTS per row).
            models.Index(
                fields=["subject_type", "subject_id", "next_step_date"],
                condition=Q(next_step_done_at__isnull=True, next_step_date__isnull=False),
                name="activity_open_step_by_record",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(promised_amount__isnull=True)
                | Q(promised_amount__gt=0, promised_payment_date__isnull=False),
                name="activity_promise_positive_and_dated",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.summary}"

    def get_absolute_url(self) -> str:
        subject = self.subject
        if subject is not None and hasattr(subject, "get_absolute_url"):
            return f"{subject.get_absolute_url()}#activity-{self.pk}"
        return ""

    @property
    def is_overdue(self) -> bool:
        return (
            self.next_step_date is not None
            and self.next_step_done_at is None
            and self.next_step_date < timezone.localdate()
        )


class AccountChainMember(TimeStampedModel):
    """One person of the customer on its standing decision chain (决策链): their role in the
    customer's buying decisions, their stance toward us, our relationship and whether they guide
    us. People and relationships outlast one deal: a new opportunity for the customer starts
    with a copy of this chain (opportunities.services.decision_chain_seed)."""

    access = AccessSpec(via="customer")

    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.CASCADE, related_name="chain"
    )
    contact = models.ForeignKey(
        Contact, verbose_name=_("contact"), on_delete=models.CASCADE, related_name="+"
    )
    role = models.CharField(_("role in the decision"), max_length=24, choices=ChainRole.choices)
    stance = models.CharField(
        _("stance"), max_length=12, choices=Stance.choices, default=Stance.NEUTRAL
    )
    relationship = models.PositiveSmallIntegerField(
        _("relationship strength"),
        choices=RelationshipStrength.choices,
        default=RelationshipStrength.NONE,
    )
    coach_level = models.CharField(
        _("guide / coach"), max_length=10, choices=CoachLevel.choices, default=CoachLevel.NONE
    )
    reports_to = models.ForeignKey(
        "self",
        verbose_name=_("reports to"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    notes = models.TextField(_("notes"), blank=True)

    class Meta:
        verbose_name = _("account decision-chain member")
        verbose_name_plural = _("account decision chain")
        ordering = ["customer", "role", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["customer", "contact"], name="contact_once_per_account_chain"
            ),
            models.CheckConstraint(
                condition=models.Q(relationship__lte=4), name="account_chain_relationship_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.contact} · {self.get_role_display()}"

    def get_absolute_url(self) -> str:
        return f"{self.customer.get_absolute_url()}#account-chain"


def import_upload_to(job: ImportJob, filename: str) -> str:
    return f"imports/{timezone.now():%Y/%m}/{job.created_by_id}-{filename[-80:]}"


class ImportJob(TimeStampedModel):
    """An import of customers or leads from a CSV or XLSX file.

    Uploaded → validating → validated (the preview: per-row errors and duplicates, nothing
    written) → importing → done; or failed / cancelled. Large files run as Celery jobs whose
    progress the page polls. The problem rows stay as `ImportIssue`s: the preview and the
    downloadable error report read them.
    """

    access = AccessSpec(owner="created_by", unit="org_unit")
    #: Its lifecycle, declared once: a machine state moved by guarded updates (ADR 3), audited
    #: where a person cares (checked, started, finished, failed, cancelled).
    moves = GuardedStates(
        "status",
        {
            ImportStatus.UPLOADED: {ImportStatus.VALIDATING, ImportStatus.CANCELLED},
            # validating → validating: a redelivered check task starts the preview again.
            ImportStatus.VALIDATING: {
                ImportStatus.VALIDATING,
                ImportStatus.VALIDATED,
                ImportStatus.FAILED,
            },
            ImportStatus.VALIDATED: {ImportStatus.IMPORTING, ImportStatus.CANCELLED},
            ImportStatus.IMPORTING: {ImportStatus.DONE, ImportStatus.FAILED},
            ImportStatus.FAILED: {ImportStatus.CANCELLED},
        },
    )

    kind = models.CharField(_("what"), max_length=30)
    file = models.FileField(_("file"), upload_to=import_upload_to, max_length=255, blank=True)
    file_name = models.CharField(_("file name"), max_length=255)
    file_format = models.CharField(_("format"), max_length=10)
    file_size = models.PositiveBigIntegerField(_("size"), default=0)
    encoding = models.CharField(_("encoding"), max_length=20, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=ImportStatus.choices, default=ImportStatus.UPLOADED
    )
    mode = models.CharField(_("rows to import"), max_length=10, blank=True)
    rows_total = models.PositiveIntegerField(_("rows"), default=0)
    rows_valid = models.PositiveIntegerField(_("valid rows"), default=0)
    rows_error = models.PositiveIntegerField(_("rows with errors"), default=0)
    rows_duplicate = models.PositiveIntegerField(_("duplicate rows"), default=0)
    rows_created = models.PositiveIntegerField(_("records created"), default=0)
    rows_skipped = models.PositiveIntegerField(_("rows skipped"), default=0)
    progress = models.PositiveIntegerField(_("rows processed"), default=0)
    message = models.TextField(_("message"), blank=True)
    created_by = models.ForeignKey(
        User, verbose_name=_("imported by"), on_delete=models.PROTECT, related_name="+"
    )
    org_unit = models.ForeignKey(
        OrgUnit, verbose_name=_("org unit"), on_delete=models.PROTECT, related_name="+"
    )
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["created_by", "-id"]),
            models.Index(fields=["org_unit", "-id"]),
        ]

    def __str__(self) -> str:
        return f"{self.file_name} ({self.get_status_display()})"

    def get_absolute_url(self) -> str:
        return reverse("imports:detail", args=[self.pk])

    @property
    def is_running(self) -> bool:
        return self.status in (ImportStatus.VALIDATING, ImportStatus.IMPORTING)


class ImportIssue(models.Model):
    """One problem row of an import: its errors by column, or the records it duplicates."""

    job = models.ForeignKey(ImportJob, on_delete=models.CASCADE, related_name="issues")
    row = models.PositiveIntegerField(_("row"))
    level = models.CharField(_("level"), max_length=10, choices=IssueLevel.choices)
    messages = models.JSONField(_("messages"), default=dict)
    matches = models.JSONField(_("matches"), default=list, blank=True)
    data = models.JSONField(_("data"), default=dict)

    class Meta:
        verbose_name = _("import issue")
        verbose_name_plural = _("import issues")
        ordering = ["job", "row"]
        indexes = [models.Index(fields=["job", "level", "row"])]

    def __str__(self) -> str:
        return f"{self.job_id}:{self.row} {self.level}"

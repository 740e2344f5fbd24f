"""ML: a lead is a customer's pain point we learnt of, verified (BANT), handed to an owner,
nurtured, and converted into an opportunity — or disqualified."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, transition

from accounts.choices import Industry
from accounts.models import Contact, Customer, OrgUnit, User
from accounts.normalise import normalise_company_name
from core import policy
from core.custom_fields import CustomValuesField, CustomValuesMixin
from core.fsm import Guard, guard
from core.models import TimeStampedModel
from core.money import CurrencyField, MoneyField
from core.policy import AccessSpec
from core.validators import EmailField, PhoneField

from .choices import OPEN_STATES, BuyingPattern, LeadSource, LeadState

#: The BANT elements (budget, authority, need, timeline) and the lead field confirming each.
BANT = {
    "budget": "budget_confirmed",
    "authority": "authority_identified",
    "need": "need_confirmed",
    "timeline": "timeline_confirmed",
}


def bant_required(lead: Lead) -> frozenset[str]:
    """The BANT elements verifying `lead` requires: its unit's `LeadQualificationPolicy`, the
    nearest one up the org tree, else all four. Remembered on the instance for one check."""
    cached = getattr(lead, "_bant_required", None)
    if cached is None:
        cached = LeadQualificationPolicy.required_for(lead.org_unit)
        lead._bant_required = cached
    return cached


def _bant_guard(element: str, message) -> Guard:
    def confirmed(lead: Lead) -> bool:
        return element not in bant_required(lead) or getattr(lead, BANT[element])

    confirmed.__name__ = f"{element}_is_confirmed"
    return Guard(confirmed, message, field=BANT[element])


budget_is_confirmed = _bant_guard("budget", _("The budget must be confirmed."))
authority_is_identified = _bant_guard("authority", _("The decision maker must be identified."))
need_is_confirmed = _bant_guard("need", _("The customer's need must be confirmed."))
timeline_is_confirmed = _bant_guard("timeline", _("The timeline must be confirmed."))
BANT_GUARDS = [
    budget_is_confirmed,
    authority_is_identified,
    need_is_confirmed,
    timeline_is_confirmed,
]


@guard(_("The lead needs an owner."), field="owner")
def has_owner(lead: Lead) -> bool:
    return lead.owner_id is not None


def may_distribute(lead: Lead, user) -> bool:
    """Handing a lead to an owner is a manager's call (or the system's distribution rules)."""
    return policy.may(user, "leads.distribute", lead)


class Lead(CustomValuesMixin, ConcurrentTransitionMixin, TimeStampedModel):
    """A sales lead (线索): a customer's need, before it is a qualified opportunity."""

    access = AccessSpec(owner="owner", unit="org_unit", pool=True, area="leads")

    title = models.CharField(_("title"), max_length=200)
    customer = models.ForeignKey(
        Customer,
        verbose_name=_("customer"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="leads",
    )
    company_name = models.CharField(
        _("company name"),
        max_length=200,
        blank=True,
        help_text=_("For a company that is not a customer yet."),
    )
    contact = models.ForeignKey(
        Contact,
        verbose_name=_("contact"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="leads",
    )
    company_key = models.CharField(
        _("normalised company name"), max_length=200, blank=True, editable=False, db_index=True
    )
    region = models.CharField(_("province / region"), max_length=60, blank=True)
    industry = models.CharField(_("industry"), max_length=20, choices=Industry.choices, blank=True)
    contact_name = models.CharField(_("contact name"), max_length=120, blank=True)
    contact_phone = PhoneField(_("contact phone"), max_length=40, blank=True)
    contact_email = EmailField(_("contact e-mail"), blank=True)
    need = models.TextField(_("pain point / need"), blank=True)
    product_interest = models.CharField(_("product interest"), max_length=200, blank=True)
    estimated_amount = MoneyField(_("estimated amount"), null=True, blank=True)
    currency = CurrencyField(_("currency"))
    expected_close_date = models.DateField(_("expected timeline"), null=True, blank=True)
    source = models.CharField(
        _("source"), max_length=30, choices=LeadSource.choices, default=LeadSource.CUSTOMER_INBOUND
    )
    source_detail = models.CharField(
        _("source detail"),
        max_length=200,
        blank=True,
        help_text=_("The event, partner or referrer the lead came from."),
    )
    buying_pattern = models.CharField(
        _("buying pattern"),
        max_length=20,
        choices=BuyingPattern.choices,
        default=BuyingPattern.OCCASIONAL,
    )
    # BANT
    budget_confirmed = models.BooleanField(_("budget confirmed"), default=False)
    budget_amount = MoneyField(_("budget amount"), null=True, blank=True)
    authority_identified = models.BooleanField(_("authority identified"), default=False)
    need_confirmed = models.BooleanField(_("need confirmed"), default=False)
    timeline_confirmed = models.BooleanField(_("timeline confirmed"), default=False)

    owner = models.ForeignKey(
        User,
        verbose_name=_("owner"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="leads",
    )
    org_unit = models.ForeignKey(
        OrgUnit, verbose_name=_("org unit"), on_delete=models.PROTECT, related_name="leads"
    )
    state_changed_at = models.DateTimeField(
        _("in this state since"), default=timezone.now, editable=False
    )
    state = FSMField(_("state"), choices=LeadState.choices, default=LeadState.NEW, protected=True)
    disqualify_reason = models.TextField(_("disqualification reason"), blank=True)
    score = models.PositiveSmallIntegerField(_("score"), default=0)
    score_breakdown = models.JSONField(_("score breakdown"), default=dict, blank=True)
    converted_at = models.DateTimeField(_("converted at"), null=True, blank=True)
    last_activity_at = models.DateTimeField(
        _("last activity"), null=True, blank=True, editable=False
    )
    duplicate_of = models.ForeignKey(
        "self",
        verbose_name=_("possible duplicate of"),
        null=True,
        blank=True,
        editable=False,
        on_delete=models.SET_NULL,
        related_name="possible_duplicates",
        help_text=_("An open lead this one probably repeats (a web form sent twice)."),
    )
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
        verbose_name = _("lead")
        verbose_name_plural = _("leads")
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["org_unit", "state", "-id"]),
            models.Index(fields=["owner", "state", "-id"]),
            # A viewer who sees only their own leads (finance, say, owning none): without it
            # the newest-first list walked the whole table backwards looking for 50 of them.
            models.Index(fields=["owner", "-id"]),
            models.Index(fields=["state", "-score", "-id"]),
            models.Index(fields=["-score", "-id"]),
            models.Index(fields=["customer", "-id"]),
            models.Index(fields=["source", "-id"]),
            models.Index(fields=["buying_pattern", "-id"]),
            models.Index(fields=["region", "-id"]),
            models.Index(fields=["industry", "-id"]),
            models.Index(fields=["expected_close_date", "-id"]),
            models.Index(fields=["company_key", "state"]),
        ]

    def __str__(self) -> str:
        return self.title

    def save(self, *args, **kwargs):
        self.company_key = self.company_key_now()
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and {"customer", "company_name"} & set(update_fields):
            kwargs["update_fields"] = {*update_fields, "company_key"}
        super().save(*args, **kwargs)

    def company_key_now(self) -> str:
        """The normalised name of the lead's company: its customer's, or the name it gives."""
        if self.customer_id:
            return self.customer.normalised_name
        return normalise_company_name(self.company_name)

    def get_absolute_url(self) -> str:
        return reverse("leads:detail", args=[self.pk])

    @property
    def company(self) -> str:
        return self.customer.name if self.customer_id else self.company_name

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES

    @property
    def days_in_state(self) -> int:
        """Whole days since the lead entered its current state, in the site's time zone."""
        return (timezone.localdate() - timezone.localtime(self.state_changed_at).date()).days

    @transition(
        field=state,
        source=LeadState.NEW,
        target=LeadState.VERIFYING,
        custom={"label": _("Start verification")},
    )
    def start_verification(self, *, by=None, reason="", comment=""):
        """Reach the customer to confirm the need and the budget."""

    @transition(
        field=state,
        source=LeadState.VERIFYING,
        target=LeadState.VERIFIED,
        conditions=BANT_GUARDS,
        custom={"label": _("Mark verified")},
    )
    def verify(self, *, by=None, reason="", comment=""):
        """BANT holds: what the lead's `LeadQualificationPolicy` requires is confirmed."""

    @transition(
        field=state,
        source=LeadState.VERIFIED,
        target=LeadState.DISTRIBUTED,
        conditions=[has_owner],
        permission=may_distribute,
        custom={"label": _("Distribute")},
    )
    def distribute(self, *, by=None, reason="", comment=""):
        """Handed to its sales owner."""

    @transition(
        field=state,
        source=LeadState.DISTRIBUTED,
        target=LeadState.NURTURING,
        conditions=[has_owner],
        custom={"label": _("Start nurturing")},
    )
    def start_nurturing(self, *, by=None, reason="", comment=""):
        """The owner tracks and nurtures the lead with visits and follow-ups."""

    @transition(
        field=state,
        source=[LeadState.VERIFIED, LeadState.DISTRIBUTED, LeadState.NURTURING],
        target=LeadState.CONVERTED,
        conditions=[*BANT_GUARDS, has_owner],
        custom={"label": _("Convert"), "internal": True},
    )
    def convert(self, *, by=None, reason="", comment=""):
        """Converted into an opportunity (升级转化); done by the conversion service."""
        self.converted_at = timezone.now()

    @transition(
        field=state,
        source=OPEN_STATES,
        target=LeadState.DISQUALIFIED,
        custom={"label": _("Disqualify"), "reason_required": True, "confirm": True},
    )
    def disqualify(self, *, by=None, reason="", comment=""):
        """No pain, no business: the lead is dropped, with the reason why."""
        self.disqualify_reason = reason

    @transition(
        field=state,
        source=OPEN_STATES,
        target=LeadState.MERGED,
        custom={"label": _("Merge"), "internal": True},
    )
    def merge(self, *, by=None, reason="", comment=""):
        """A duplicate merged into another open lead (leads.merge.lead_merge sets
        `merged_into` and moves its activities): a tombstone pointing at the survivor."""
        self.merged_at = timezone.now()

    @transition(
        field=state,
        source=LeadState.DISQUALIFIED,
        target=LeadState.NEW,
        custom={"label": _("Recycle")},
    )
    def recycle(self, *, by=None, reason="", comment=""):
        """A disqualified lead comes back to life (new budget, new need)."""
        self.disqualify_reason = ""


class LeadCaptureSource(TimeStampedModel):
    """A website form (or another system) allowed to send leads without a user session.

    It authenticates with a key shown once when the source is created; only a hash is stored.
    Its leads land in `org_unit` (the team pool) with the source "web form", and distribution
    then finds them an owner. Administrators create and revoke sources.
    """

    access = AccessSpec(unit="org_unit")

    name = models.CharField(_("name"), max_length=120)
    org_unit = models.ForeignKey(
        OrgUnit, verbose_name=_("org unit"), on_delete=models.PROTECT, related_name="+"
    )
    key_prefix = models.CharField(_("key prefix"), max_length=16, unique=True, editable=False)
    key_hash = models.CharField(max_length=64, editable=False)
    allowed_origins = models.JSONField(
        _("allowed origins"),
        default=list,
        blank=True,
        help_text=_(
            "Web pages at these origins (e.g. https://www.example.com) may post leads from "
            "the browser; other sites are refused by the browser (CORS)."
        ),
    )
    is_active = models.BooleanField(_("active"), default=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True, editable=False)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True, editable=False)
    created_by = models.ForeignKey(
        User,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("lead capture source")
        verbose_name_plural = _("lead capture sources")
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name


class DistributionRule(TimeStampedModel):
    """A rule that hands new leads to a team, and inside it to its reps in turn.

    It applies to leads filed in its org unit's subtree. Region, industry and product
    keywords narrow it (empty: any); the first matching rule by priority (then the nearest
    unit) wins. Its leads go to `team`: to the listed assignees in turn, or — with none
    listed — to the team's active sales reps in turn (round-robin), or only into the team's
    pool when `assign_owner` is off. A lead whose customer already has an account manager
    never reaches the rules: it goes to that account manager (客户报备).
    """

    access = AccessSpec(unit="org_unit")

    name = models.CharField(_("name"), max_length=120)
    org_unit = models.ForeignKey(
        OrgUnit,
        verbose_name=_("applies within"),
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("The rule applies to leads filed in this unit or below it."),
    )
    priority = models.PositiveSmallIntegerField(
        _("priority"), default=100, help_text=_("Lower numbers are tried first.")
    )
    regions = models.CharField(
        _("regions"),
        max_length=200,
        blank=True,
        help_text=_("Comma-separated provinces or regions, e.g. 广东, 广西; empty for any."),
    )
    industry = models.CharField(_("industry"), max_length=20, choices=Industry.choices, blank=True)
    product_keywords = models.CharField(
        _("product keywords"),
        max_length=200,
        blank=True,
        help_text=_("Comma-separated words of the product interest, e.g. 5G, IoT; empty for any."),
    )
    team = models.ForeignKey(
        OrgUnit, verbose_name=_("team"), on_delete=models.PROTECT, related_name="+"
    )
    assignees = models.ManyToManyField(
        User,
        verbose_name=_("assignees"),
        blank=True,
        related_name="+",
        help_text=_("Take turns in this order; empty: the team's active sales reps."),
    )
    assign_owner = models.BooleanField(
        _("assign an owner"),
        default=True,
        help_text=_("Off: the lead only goes into the team's pool."),
    )
    last_assigned = models.ForeignKey(
        User,
        verbose_name=_("last assigned"),
        null=True,
        blank=True,
        editable=False,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("distribution rule")
        verbose_name_plural = _("distribution rules")
        ordering = ["priority", "id"]
        indexes = [
            models.Index(
                fields=["priority", "id"], condition=Q(is_active=True), name="active_rules"
            )
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("leads:rules")


class LeadQualificationPolicy(TimeStampedModel):
    """Which BANT elements verifying a lead requires in an org unit's subtree.

    The LTC method verifies a lead on all four (budget, authority, need, timeline); a company
    may relax it for a unit (e.g. a channel team that qualifies on need and budget). The
    nearest policy up the org tree wins; without one, all four are required. The need is
    always required: no pain, no business. Administrators change it (audited, before/after).
    """

    access = AccessSpec(unit="org_unit")

    org_unit = models.OneToOneField(
        OrgUnit,
        verbose_name=_("org unit"),
        on_delete=models.CASCADE,
        related_name="lead_qualification_policy",
        help_text=_("Applies to leads of this unit and the units below it."),
    )
    require_budget = models.BooleanField(_("require budget"), default=True)
    require_authority = models.BooleanField(_("require authority"), default=True)
    require_timeline = models.BooleanField(_("require timeline"), default=True)

    class Meta:
        verbose_name = _("lead qualification policy")
        verbose_name_plural = _("lead qualification policies")
        ordering = ["org_unit__path"]

    def __str__(self) -> str:
        return str(self.org_unit)

    @property
    def required(self) -> frozenset[str]:
        flags = {
            "budget": self.require_budget,
            "authority": self.require_authority,
            "need": True,
            "timeline": self.require_timeline,
        }
        return frozenset(element for element, needed in flags.items() if needed)

    @classmethod
    def in_force(cls, org_unit: OrgUnit | None) -> LeadQualificationPolicy | None:
        """The policy governing `org_unit`: its own, else the nearest ancestor's (one query)."""
        if org_unit is None:
            return None
        ancestors = org_unit.ancestor_ids()
        found = {p.org_unit_id: p for p in cls.objects.filter(org_unit_id__in=ancestors)}
        return next((found[pk] for pk in reversed(ancestors) if pk in found), None)

    @classmethod
    def required_for(cls, org_unit: OrgUnit | None) -> frozenset[str]:
        policy = cls.in_force(org_unit)
        return policy.required if policy is not None else frozenset(BANT)

"""MO: an opportunity (机会点) runs from identified through the ATI, ATB and ATC gates to won,
or ends lost or abandoned. Its iron triangle runs it; the gated stages are entered only by a
"go" decision on the gate review."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, transition

from accounts.choices import CustomerVetting
from accounts.models import Customer, IronTriangle, OrgUnit, User
from core.choices import GateKind
from core.custom_fields import CustomValuesField, CustomValuesMixin
from core.fsm import Guard, guard
from core.gates import has_go
from core.models import NumberedModel, TimeStampedModel
from core.money import CurrencyField, MoneyField, quantize
from core.policy import AccessSpec
from leads.models import Lead
from partners.models import Partner, PartnerRegistration

from ..choices import OPEN_STAGES, ForecastCategory, Stage, WinLossReason


def _gate_go(kind: str, message):
    @guard(message, field="gate")
    def passed(opportunity: Opportunity) -> bool:
        return has_go(opportunity, kind)

    passed.__name__ = f"passed_{kind}"
    return passed


def _customer_cleared(target: str) -> Guard:
    """A deal moves forward only for an approved customer (ADR 19): on a pending customer up
    to `LTC_PENDING_CUSTOMER_MAX_STAGE`, on a rejected one not at all."""

    def cleared(opportunity: Opportunity) -> bool:
        state = opportunity.customer.state
        if state == CustomerVetting.APPROVED:
            return True
        if state == CustomerVetting.REJECTED:
            return False
        ceiling = settings.LTC_PENDING_CUSTOMER_MAX_STAGE
        order = list(Stage.values)
        return ceiling in order and order.index(target) <= order.index(ceiling)

    def explain(opportunity: Opportunity) -> dict:
        if opportunity.customer.state == CustomerVetting.REJECTED:
            return {"customer": _("The customer was rejected: its deals cannot advance.")}
        return {
            "customer": _("The customer is waiting for approval: deals on it stop at “%(stage)s”.")
            % {"stage": Stage(settings.LTC_PENDING_CUSTOMER_MAX_STAGE).label}
        }

    cleared.__name__ = f"customer_cleared_for_{target}"
    return Guard(
        cleared,
        _("The customer is not approved."),
        field="customer",
        explain=explain,
        code="customer_not_approved",
    )


ati_passed = _gate_go(GateKind.ATI, _("The ATI review has not decided go."))
atb_passed = _gate_go(GateKind.ATB, _("The ATB review has not decided go."))
atc_passed = _gate_go(GateKind.ATC, _("The ATC review has not decided go."))


class Opportunity(CustomValuesMixin, ConcurrentTransitionMixin, NumberedModel, TimeStampedModel):
    """An opportunity (机会点): a customer's project we pursue, run by an iron triangle."""

    access = AccessSpec(
        owner="owner", unit="org_unit", team="team", area="opportunities", partner="partner"
    )
    number_prefix = "OPP"

    name = models.CharField(_("name"), max_length=200)
    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.PROTECT, related_name="opportunities"
    )
    lead = models.OneToOneField(
        Lead,
        verbose_name=_("source lead"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="opportunity",
    )
    owner = models.ForeignKey(
        User, verbose_name=_("owner (AR)"), on_delete=models.PROTECT, related_name="opportunities"
    )
    org_unit = models.ForeignKey(
        OrgUnit, verbose_name=_("org unit"), on_delete=models.PROTECT, related_name="opportunities"
    )
    team = models.OneToOneField(
        IronTriangle,
        verbose_name=_("iron triangle"),
        on_delete=models.PROTECT,
        related_name="opportunity",
    )
    #: The partner seat beside the iron triangle (ADR 20): the channel partner selling with
    #: us, and the project registration (项目报备) the opportunity came from, once.
    partner = models.ForeignKey(
        Partner,
        verbose_name=_("partner"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="opportunities",
    )
    partner_registration = models.OneToOneField(
        PartnerRegistration,
        verbose_name=_("partner registration"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="opportunity",
        editable=False,
    )
    description = models.TextField(_("description"), blank=True)
    product_line = models.CharField(_("product line"), max_length=100, blank=True)
    amount = MoneyField(_("expected amount"), default=0)
    currency = CurrencyField(_("currency"))
    margin_pct = models.DecimalField(
        _("expected gross margin %"), max_digits=5, decimal_places=2, null=True, blank=True
    )
    down_payment_pct = models.DecimalField(
        _("down payment %"), max_digits=5, decimal_places=2, null=True, blank=True
    )
    expected_close_date = models.DateField(_("expected close date"), null=True, blank=True)
    forecast_category = models.CharField(
        _("forecast category"),
        max_length=20,
        choices=ForecastCategory.choices,
        default=ForecastCategory.PIPELINE,
    )
    probability_pct = models.DecimalField(
        _("win probability %"),
        max_digits=5,
        decimal_places=2,
        default=0,
        editable=False,
        help_text=_("Set from the stage (configurable per org unit) on every stage change."),
    )
    payment_terms = models.TextField(
        _("payment terms"),
        blank=True,
        help_text=_("As negotiated, e.g. 30% on signing, 60% on acceptance, 10% warranty."),
    )
    liability_cap_pct = models.DecimalField(
        _("liability cap %"),
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_("Penalties and liabilities are capped at this share of the contract value."),
    )
    warranty_months = models.PositiveSmallIntegerField(
        _("warranty (months)"), null=True, blank=True
    )
    state_changed_at = models.DateTimeField(
        _("in this state since"), default=timezone.now, editable=False
    )
    state = FSMField(_("stage"), choices=Stage.choices, default=Stage.IDENTIFIED, protected=True)
    close_reason = models.TextField(_("win/loss reason"), blank=True)
    close_reason_code = models.CharField(
        _("win/loss reason code"), max_length=20, choices=WinLossReason.choices, blank=True
    )
    lost_to = models.ForeignKey(
        "opportunities.Competitor",
        verbose_name=_("lost to"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="won_against_us",
    )
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    custom = CustomValuesField()

    class Meta:
        verbose_name = _("opportunity")
        verbose_name_plural = _("opportunities")
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["org_unit", "state", "-id"]),
            models.Index(fields=["owner", "state", "-id"]),
            models.Index(fields=["state", "-id"]),
            models.Index(fields=["customer", "-id"]),
            models.Index(fields=["state", "expected_close_date"]),
            models.Index(fields=["org_unit", "expected_close_date"]),
            models.Index(fields=["owner", "expected_close_date"]),
            models.Index(fields=["state", "close_reason_code"]),
            models.Index(fields=["state", "state_changed_at"], name="opportunity_stage_age"),
            # The funnel rollup's key (ADR 33): its incremental refresh recounts one key's deals.
            models.Index(
                fields=["org_unit", "currency", "product_line"], name="opportunity_rollup_key"
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(probability_pct__gte=0) & models.Q(probability_pct__lte=100),
                name="opportunity_probability_percent",
            ),
            models.CheckConstraint(
                condition=models.Q(amount__gte=0), name="opportunity_amount_gte_0"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.name}"

    def get_absolute_url(self) -> str:
        return reverse("opportunities:detail", args=[self.pk])

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STAGES

    @property
    def weighted_amount(self) -> Decimal:
        """The amount times the win probability: what the forecast counts."""
        return quantize(self.amount * self.probability_pct / 100)

    @property
    def days_in_stage(self) -> int:
        """Whole days since the deal entered its current stage, in the site's time zone."""
        entered = timezone.localtime(self.state_changed_at).date()
        return (timezone.localdate() - entered).days

    @transition(
        field=state,
        source=Stage.IDENTIFIED,
        target=Stage.INITIATED,
        conditions=[_customer_cleared(Stage.INITIATED), ati_passed],
        custom={"label": _("ATI passed"), "internal": True},
    )
    def pass_ati(self, *, by=None, reason="", comment=""):
        """The project is initiated (立项) and the iron triangle formed."""

    @transition(
        field=state,
        source=Stage.INITIATED,
        target=Stage.GUIDING,
        conditions=[_customer_cleared(Stage.GUIDING)],
        custom={"label": _("Start guiding")},
    )
    def start_guiding(self, *, by=None, reason="", comment=""):
        """Manage the decision chain and guide the tender (标前引导)."""

    @transition(
        field=state,
        source=Stage.GUIDING,
        target=Stage.BIDDING,
        conditions=[_customer_cleared(Stage.BIDDING)],
        custom={"label": _("Start bidding")},
    )
    def start_bidding(self, *, by=None, reason="", comment=""):
        """The tender is out; prepare the bid."""

    @transition(
        field=state,
        source=Stage.BIDDING,
        target=Stage.BID_SUBMITTED,
        conditions=[_customer_cleared(Stage.BID_SUBMITTED), atb_passed],
        custom={"label": _("Bid submitted"), "internal": True},
    )
    def submit_bid(self, *, by=None, reason="", comment=""):
        """ATB approved the bid and its price floor; the bid went in."""

    @transition(
        field=state,
        source=Stage.BID_SUBMITTED,
        target=Stage.NEGOTIATING,
        conditions=[_customer_cleared(Stage.NEGOTIATING)],
        custom={"label": _("Tender won: negotiate")},
    )
    def award(self, *, by=None, reason="", comment=""):
        """We won the tender; negotiate the contract."""

    @transition(
        field=state,
        source=Stage.NEGOTIATING,
        target=Stage.WON,
        conditions=[_customer_cleared(Stage.WON), atc_passed],
        custom={"label": _("Won"), "internal": True},
    )
    def win(self, *, by=None, reason="", comment=""):
        """ATC authorised the contract: the opportunity is won."""
        self.closed_at = timezone.now()
        self.close_reason = reason or comment

    @transition(
        field=state,
        source=OPEN_STAGES,
        target=Stage.LOST,
        custom={"label": _("Lost"), "reason_required": True, "confirm": True},
    )
    def lose(self, *, by=None, reason="", comment=""):
        """The customer chose someone else (or no one)."""
        self.closed_at = timezone.now()
        self.close_reason = reason

    @transition(
        field=state,
        source=OPEN_STAGES,
        target=Stage.ABANDONED,
        custom={"label": _("Abandon"), "reason_required": True, "confirm": True},
    )
    def abandon(self, *, by=None, reason="", comment=""):
        """We walk away (a gate said stop, or the deal is not worth it)."""
        self.closed_at = timezone.now()
        self.close_reason = reason

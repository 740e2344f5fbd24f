"""MCE: a contract (合同) from signing through acceptance, delivery and collection to its close
and evaluation, led by the FR with the AR and SR on the iron triangle until it closes."""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _g
from django.utils.translation import gettext_lazy as _
from django_fsm import GET_STATE, ConcurrentTransitionMixin, FSMField, transition

from accounts.models import Customer, IronTriangle, OrgUnit, User
from core import policy
from core.approvals.choices import ApprovalKind, ApprovalState
from core.approvals.models import ApprovalRequest
from core.choices import GateKind, GateState
from core.custom_fields import CustomValuesField, CustomValuesMixin
from core.fsm import Guard, guard
from core.models import GateReview, NumberedModel, TimeStampedModel
from core.money import CurrencyField, MoneyField
from core.policy import AccessSpec
from opportunities.models import Opportunity

from ..choices import (
    ACTIVE_STATES,
    DELIVERED_STATES,
    DELIVERY_KINDS,
    ContractKind,
    ContractState,
    DeliveryMilestoneKind,
    DeliveryMilestoneState,
    DirectBasis,
)


@guard(_("The signing date is required."), field="signed_on")
def has_signing_date(contract: Contract) -> bool:
    return contract.signed_on is not None


@guard(_("The amount must be greater than zero."), field="amount")
def has_amount(contract: Contract) -> bool:
    return contract.amount is not None and contract.amount > 0


@guard(_("The framework agreement must be signed first."), field="framework")
def framework_signed(contract: Contract) -> bool:
    return contract.kind != ContractKind.CALL_OFF or (
        contract.framework is not None and contract.framework.state in ACTIVE_STATES
    )


@guard(_("Sales (the AR) has not confirmed the contract content yet."), field="sales_confirmation")
def sales_confirmed(contract: Contract) -> bool:
    return contract.sales_confirmed_at is not None


@guard(
    _("Delivery (the FR) has not confirmed the contract content yet."),
    field="delivery_confirmation",
)
def delivery_confirmed(contract: Contract) -> bool:
    return contract.delivery_confirmed_at is not None


@guard(_("Plan the delivery first: there are no delivery milestones."), field="delivery_plan")
def has_delivery_plan(contract: Contract) -> bool:
    if contract.kind == ContractKind.FRAMEWORK:
        return True  # a framework delivers through its call-off orders
    return any(
        m.state != DeliveryMilestoneState.CANCELLED for m in contract.delivery_milestones.all()
    )


@guard(
    _("Every delivery step up to the customer's acceptance must be reached first."),
    field="delivery_plan",
)
def delivery_reached(contract: Contract) -> bool:
    return not contract.delivery_steps_missing()


def ltc_basis_missing(contract: Contract) -> dict[str, str]:
    """Why `contract` may not be signed yet as far as the LTC gate goes: {field: message},
    empty when its opportunity passed ATC or a direct-contract rule still covers it (ADR 14)."""
    if contract.atc_review_id is not None:
        review = contract.atc_review
        if review.kind == GateKind.ATC and review.state == GateState.GO:
            return {}
        return {"atc_review": _g("The ATC review of its opportunity has not said go.")}
    if contract.direct_rule_id is None:
        return {
            "direct_rule": _g(
                "Neither a passed ATC nor a direct-contract basis: a contract made outside an "
                "opportunity's ATC names the rule it falls under (framework call-off, renewal, "
                "small order)."
            )
        }
    return contract.direct_rule.refusal(
        contract, by=contract.direct_basis_by
    ) or direct_approval_missing(contract)


def direct_approval_missing(contract: Contract) -> dict[str, str]:
    """A direct contract made while the company had a direct-contract approval chain is signed
    only once that approval is granted (ADR 17); one made without a chain, as before."""
    approval = (
        ApprovalRequest.objects.filter(
            kind=ApprovalKind.DIRECT_CONTRACT,
            subject_type__app_label="contracts",
            subject_type__model="contract",
            subject_id=contract.pk,
        )
        .order_by("-id")
        .first()
    )
    if approval is None or approval.state == ApprovalState.APPROVED:
        return {}
    return {
        "direct_approval": _g(
            "The direct contract's approval is “%(state)s”: it is signed once approved."
        )
        % {"state": approval.get_state_display()}
    }


has_ltc_basis = Guard(
    lambda contract: not ltc_basis_missing(contract),
    _("Neither a passed ATC nor a valid direct-contract basis."),
    field="direct_rule",
    explain=ltc_basis_missing,
)


def is_manager(contract: Contract, user) -> bool:
    """Suspending or terminating a contract needs a sales manager's approval."""
    return policy.may(user, "contracts.suspend_or_terminate", contract)


class Contract(CustomValuesMixin, ConcurrentTransitionMixin, NumberedModel, TimeStampedModel):
    """A customer contract: its terms, its team and its execution state.

    A framework agreement (框架协议) sets terms and a ceiling; its call-off orders are contracts
    of their own (each delivered, collected and closed) that count against that ceiling.
    Once signed, the terms change only through an approved change request, which leaves a
    versioned amendment behind; the signed text stays as it was.
    """

    access = AccessSpec(
        owner="owner",
        unit="org_unit",
        team="team",
        finance="view",
        area="contracts",
        partner="opportunity__partner",
    )
    number_prefix = "CON"

    #: Terms fixed by signing: afterwards they change only by amendment (an empty one may still
    #: be filled in).
    SIGNED_TERMS = (
        "customer",
        "kind",
        "framework",
        "amount",
        "currency",
        "tax_rate_pct",
        "planned_cost",
        "signed_on",
        "starts_on",
        "ends_on",
        "terms",
        "payment_terms",
    )

    title = models.CharField(_("title"), max_length=200)
    kind = models.CharField(
        _("kind"), max_length=10, choices=ContractKind.choices, default=ContractKind.STANDARD
    )
    framework = models.ForeignKey(
        "self",
        verbose_name=_("framework agreement"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="call_offs",
        help_text=_("The framework agreement a call-off order is placed under."),
    )
    renewal_of = models.ForeignKey(
        "self",
        verbose_name=_("renewal of"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="renewals",
    )
    direct_basis = models.CharField(
        _("direct-contract basis"),
        max_length=20,
        choices=DirectBasis.choices,
        blank=True,
        help_text=_("Why it is signed without an ATC of its own (the rule's kind)."),
    )
    direct_rule = models.ForeignKey(
        "contracts.DirectContractRule",
        verbose_name=_("direct-contract rule"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="contracts",
        help_text=_("The company rule a contract made without an opportunity's ATC falls under."),
    )
    direct_basis_by = models.ForeignKey(
        User,
        verbose_name=_("basis stated by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )
    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.PROTECT, related_name="contracts"
    )
    customer_reference = models.CharField(
        _("customer's contract number"), max_length=60, blank=True
    )
    opportunity = models.OneToOneField(
        Opportunity,
        verbose_name=_("source opportunity"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="contract",
    )
    atc_review = models.ForeignKey(
        GateReview,
        verbose_name=_("ATC decision"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    owner = models.ForeignKey(
        User, verbose_name=_("owner (AR)"), on_delete=models.PROTECT, related_name="contracts"
    )
    org_unit = models.ForeignKey(
        OrgUnit, verbose_name=_("org unit"), on_delete=models.PROTECT, related_name="contracts"
    )
    team = models.OneToOneField(
        IronTriangle,
        verbose_name=_("iron triangle"),
        on_delete=models.PROTECT,
        related_name="contract",
    )
    amount = MoneyField(_("amount"), default=Decimal("0"), validators=[MinValueValidator(0)])
    currency = CurrencyField(_("currency"))
    tax_rate_pct = models.DecimalField(
        _("tax rate %"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("13.00"),
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    planned_cost = MoneyField(
        _("planned cost"),
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
        help_text=_("The budgeted cost of delivering the contract; the margin is judged on it."),
    )
    signed_on = models.DateField(_("signing date"), null=True, blank=True)
    starts_on = models.DateField(_("service period start"), null=True, blank=True)
    ends_on = models.DateField(
        _("service period end"),
        null=True,
        blank=True,
        help_text=_("When the contract or its service period ends (renewals start from here)."),
    )
    terms = models.TextField(_("terms"), blank=True)
    payment_terms = models.TextField(_("payment terms"), blank=True)
    sales_confirmed_by = models.ForeignKey(
        User,
        verbose_name=_("confirmed for sales by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )
    sales_confirmed_at = models.DateTimeField(
        _("confirmed for sales at"), null=True, blank=True, editable=False
    )
    delivery_confirmed_by = models.ForeignKey(
        User,
        verbose_name=_("confirmed for delivery by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )
    delivery_confirmed_at = models.DateTimeField(
        _("confirmed for delivery at"), null=True, blank=True, editable=False
    )
    state_changed_at = models.DateTimeField(
        _("in this state since"), default=timezone.now, editable=False
    )
    state = FSMField(
        _("state"), choices=ContractState.choices, default=ContractState.DRAFT, protected=True
    )
    suspended_from = models.CharField(max_length=20, blank=True, editable=False)
    state_reason = models.TextField(_("reason"), blank=True)

    custom = CustomValuesField()

    class Meta:
        verbose_name = _("contract")
        verbose_name_plural = _("contracts")
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["org_unit", "state", "-id"]),
            models.Index(fields=["owner", "state", "-id"]),
            models.Index(fields=["state", "-id"]),
            models.Index(fields=["customer", "-id"]),
            models.Index(fields=["kind", "-id"]),
            models.Index(fields=["framework", "-id"]),
            models.Index(fields=["signed_on"]),
            models.Index(fields=["ends_on"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(amount__gte=0), name="contract_amount_not_negative"
            ),
            models.CheckConstraint(
                condition=models.Q(planned_cost__isnull=True) | models.Q(planned_cost__gte=0),
                name="contract_planned_cost_not_negative",
            ),
            models.CheckConstraint(
                condition=models.Q(framework__isnull=True) | models.Q(kind=ContractKind.CALL_OFF),
                name="contract_only_call_offs_have_a_framework",
            ),
            models.CheckConstraint(
                condition=models.Q(direct_rule__isnull=True, direct_basis="")
                | models.Q(direct_rule__isnull=False) & ~models.Q(direct_basis=""),
                name="contract_direct_basis_names_its_rule",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("contracts:detail", args=[self.pk])

    # --- Consistency of one row (and its framework) ------------------------------------------
    def clean(self) -> None:
        errors: dict[str, list] = {}
        if self.kind == ContractKind.CALL_OFF:
            framework = self.framework
            if framework is None:
                errors["framework"] = [_("A call-off order needs its framework agreement.")]
            elif framework.kind != ContractKind.FRAMEWORK:
                errors["framework"] = [_("This contract is not a framework agreement.")]
            else:
                if framework.customer_id != self.customer_id:
                    errors["customer"] = [_("A call-off order is for its framework's customer.")]
                if framework.currency != self.currency:
                    errors["currency"] = [_("A call-off order is in its framework's currency.")]
                left = framework.ceiling_left(excluding=self)
                if left is not None and self.amount is not None and self.amount > left:
                    errors["amount"] = [
                        _("The framework agreement has %(left)s left under its ceiling.")
                        % {"left": left}
                    ]
        elif self.framework_id is not None:
            errors["framework"] = [_("Only a call-off order is placed under a framework.")]
        if self.kind == ContractKind.FRAMEWORK and self.pk and self.amount:
            placed = self.call_offs_total()
            if placed > self.amount:
                errors["amount"] = [
                    _("Call-off orders already total %(placed)s.") % {"placed": placed}
                ]
        if self.starts_on and self.ends_on and self.ends_on < self.starts_on:
            errors["ends_on"] = [_("The end is before the start.")]
        if errors:
            raise ValidationError(errors)

    def call_offs_total(self, excluding: Contract | None = None) -> Decimal:
        """What the call-off orders under this framework total (terminated ones excluded)."""
        orders = Contract.objects.filter(framework=self).exclude(state=ContractState.TERMINATED)
        if excluding is not None and excluding.pk:
            orders = orders.exclude(pk=excluding.pk)
        return orders.aggregate(total=Sum("amount"))["total"] or Decimal("0")

    def ceiling_left(self, excluding: Contract | None = None) -> Decimal | None:
        """What may still be called off under this framework (None: no ceiling)."""
        if self.kind != ContractKind.FRAMEWORK or not self.amount:
            return None
        return self.amount - self.call_offs_total(excluding=excluding)

    # --- Derived figures ---------------------------------------------------------------------
    @property
    def margin_pct(self) -> Decimal | None:
        """The expected gross margin % on the planned cost."""
        if self.planned_cost is None or not self.amount:
            return None
        return ((self.amount - self.planned_cost) * 100 / self.amount).quantize(Decimal("0.01"))

    @property
    def is_signed(self) -> bool:
        return self.state != ContractState.DRAFT

    def delivery_steps_missing(self) -> list:
        """The delivery milestones up to acceptance not reached yet (all of them, if there is no
        acceptance milestone in the plan)."""
        if self.kind == ContractKind.FRAMEWORK:
            return [c for c in self.call_offs.all() if c.state not in DELIVERED_STATES]
        steps = [
            m
            for m in self.delivery_milestones.all()
            if m.kind in DELIVERY_KINDS and m.state != DeliveryMilestoneState.CANCELLED
        ]
        if not any(m.kind == DeliveryMilestoneKind.ACCEPTANCE for m in steps):
            return [DeliveryMilestoneKind.ACCEPTANCE.label]
        return [m for m in steps if m.state != DeliveryMilestoneState.REACHED]

    # --- The state machine -------------------------------------------------------------------
    @transition(
        field=state,
        source=ContractState.DRAFT,
        target=ContractState.SIGNED,
        conditions=[has_signing_date, has_amount, framework_signed, has_ltc_basis],
        custom={"label": _("Sign")},
    )
    def sign(self, *, by=None, reason="", comment=""):
        """Both parties signed."""

    @transition(
        field=state,
        source=ContractState.SIGNED,
        target=ContractState.ACCEPTED,
        conditions=[sales_confirmed, delivery_confirmed],
        custom={"label": _("Accept and confirm")},
    )
    def accept(self, *, by=None, reason="", comment=""):
        """Delivery and sales confirmed the contract content together (合同接受和确认)."""

    @transition(
        field=state,
        source=ContractState.ACCEPTED,
        target=ContractState.IN_DELIVERY,
        conditions=[has_delivery_plan],
        custom={"label": _("Start delivery")},
    )
    def start_delivery(self, *, by=None, reason="", comment=""):
        """Shipment begins."""

    @transition(
        field=state,
        source=ContractState.IN_DELIVERY,
        target=ContractState.DELIVERED,
        conditions=[delivery_reached],
        custom={"label": _("Customer accepted delivery")},
    )
    def deliver(self, *, by=None, reason="", comment=""):
        """The customer accepted the delivery."""

    @transition(
        field=state,
        source=ContractState.DELIVERED,
        target=ContractState.CLOSED,
        custom={"label": _("Close"), "confirm": True, "internal": True},
    )
    def close(self, *, by=None, reason="", comment=""):
        """The close review said go: everything delivered and collected (or written off)."""

    @transition(
        field=state,
        source=ContractState.CLOSED,
        target=ContractState.EVALUATED,
        custom={"label": _("Evaluate"), "internal": True},
    )
    def evaluate(self, *, by=None, reason="", comment=""):
        """The contract's quality is judged, as input to improve the process."""

    @transition(
        field=state,
        source=ACTIVE_STATES,
        target=ContractState.SUSPENDED,
        permission=is_manager,
        custom={"label": _("Suspend"), "reason_required": True, "confirm": True},
    )
    def suspend(self, *, by=None, reason="", comment=""):
        self.suspended_from = self.state
        self.state_reason = reason

    @transition(
        field=state,
        source=ContractState.SUSPENDED,
        target=GET_STATE(
            lambda self, **kwargs: self.suspended_from or ContractState.SIGNED, states=ACTIVE_STATES
        ),
        permission=is_manager,
        custom={"label": _("Resume")},
    )
    def resume(self, *, by=None, reason="", comment=""):
        """Back to the state it was suspended from."""
        self.state_reason = ""

    @transition(
        field=state,
        source=[*ACTIVE_STATES, ContractState.DRAFT, ContractState.SUSPENDED],
        target=ContractState.TERMINATED,
        permission=is_manager,
        custom={"label": _("Terminate"), "reason_required": True, "confirm": True},
    )
    def terminate(self, *, by=None, reason="", comment=""):
        self.state_reason = reason

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.models import Customer
from contracts.models import Contract
from core.api.exchange_rates import ConvertedTotalSerializer
from core.api.fields import DateField, DateTimeField, MoneyField
from core.api.serializers import (
    ModelSerializer,
    RecordSerializer,
    ScopedModelSerializer,
    ScopedPrimaryKeyRelatedField,
    WriteScopeMixin,
)
from core.choices import Currency
from receivables.choices import (
    AgeingGroup,
    InvoiceKind,
    MilestoneKind,
    MilestoneTrigger,
    PaymentMethod,
)
from receivables.models import (
    Invoice,
    MilestoneReminder,
    PaymentMilestone,
    Receipt,
    ReceiptAllocation,
    WriteOffRequest,
)

MONEY = {"max_digits": 18, "decimal_places": 2}


class PaymentMilestoneSerializer(RecordSerializer):
    outstanding = serializers.DecimalField(**MONEY, read_only=True)
    uninvoiced = serializers.DecimalField(**MONEY, read_only=True)
    is_overdue = serializers.BooleanField(read_only=True)
    days_overdue = serializers.IntegerField(read_only=True)
    contract_number = serializers.CharField(source="contract.number", read_only=True)
    customer = serializers.IntegerField(source="contract.customer_id", read_only=True)
    customer_name = serializers.CharField(source="contract.customer.name", read_only=True)
    owner = serializers.IntegerField(source="contract.owner_id", read_only=True)

    class Meta:
        model = PaymentMilestone
        fields = [
            "id",
            "contract",
            "contract_number",
            "customer",
            "customer_name",
            "owner",
            "sequence",
            "kind",
            "name",
            "percentage",
            "amount",
            "currency",
            "trigger",
            "trigger_date",
            "credit_days",
            "triggered_on",
            "due_date",
            "state",
            "invoiced_amount",
            "paid_amount",
            "written_off_amount",
            "outstanding",
            "uninvoiced",
            "is_overdue",
            "days_overdue",
            "settled_at",
            "custom",
            "version",
            "available_transitions",
        ]
        # Its terms change through the payment plan; only its custom values are written here.
        read_only_fields = [name for name in fields if name != "custom"]


class PaymentMilestoneListSerializer(ModelSerializer):
    """A row of the milestone list: what a list shows (no plan terms or transitions;
    `GET /payment-milestones/{id}/` has them). Reads only these columns."""

    needs_changeable_ids = False
    outstanding = serializers.DecimalField(**MONEY, read_only=True)
    is_overdue = serializers.BooleanField(read_only=True)
    days_overdue = serializers.IntegerField(read_only=True)
    contract_number = serializers.CharField(source="contract.number", read_only=True)
    customer = serializers.IntegerField(source="contract.customer_id", read_only=True)
    customer_name = serializers.CharField(source="contract.customer.name", read_only=True)
    owner = serializers.IntegerField(source="contract.owner_id", read_only=True)
    version = serializers.IntegerField(read_only=True)

    class Meta:
        model = PaymentMilestone
        fields = [
            "id",
            "contract",
            "contract_number",
            "customer",
            "customer_name",
            "owner",
            "sequence",
            "kind",
            "name",
            "amount",
            "currency",
            "due_date",
            "state",
            "invoiced_amount",
            "paid_amount",
            "written_off_amount",
            "outstanding",
            "is_overdue",
            "days_overdue",
            "version",
        ]
        read_only_fields = fields

    #: The columns the list reads (`QuerySet.only`).
    columns = [
        "id",
        "contract",
        "sequence",
        "kind",
        "name",
        "amount",
        "currency",
        "due_date",
        "state",
        "invoiced_amount",
        "paid_amount",
        "written_off_amount",
        "version",
        "contract__number",
        "contract__state",  # django-fsm reads the state of every loaded contract
        "contract__owner",
        "contract__customer__name",
    ]


class MilestoneInputSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=MilestoneKind.choices)
    name = serializers.CharField(required=False, allow_blank=True, max_length=120, default="")
    percentage = serializers.DecimalField(
        max_digits=6, decimal_places=3, required=False, allow_null=True, min_value=0, max_value=100
    )
    amount = MoneyField(required=False, allow_null=True)
    trigger = serializers.ChoiceField(
        choices=MilestoneTrigger.choices, default=MilestoneTrigger.ON_SIGNING
    )
    trigger_date = DateField(required=False, allow_null=True)
    credit_days = serializers.IntegerField(min_value=0, max_value=3650, default=0)

    def validate(self, attrs):
        if (attrs.get("percentage") is None) == (attrs.get("amount") is None):
            raise serializers.ValidationError(_("Give either a percentage or an amount."))
        if attrs["trigger"] == MilestoneTrigger.ON_DATE and not attrs.get("trigger_date"):
            raise serializers.ValidationError({"trigger_date": _("Required for a fixed date.")})
        return attrs


class PaymentPlanSerializer(serializers.Serializer):
    contract = ScopedPrimaryKeyRelatedField(queryset=Contract.objects.all())
    milestones = MilestoneInputSerializer(many=True, allow_empty=False, max_length=50)


class AllocationInputSerializer(serializers.Serializer):
    """One by-hand allocation: to a milestone, or to an invoice (which pays its milestone)."""

    milestone = ScopedPrimaryKeyRelatedField(
        queryset=PaymentMilestone.objects.all(), required=False, allow_null=True
    )
    invoice = ScopedPrimaryKeyRelatedField(
        queryset=Invoice.objects.all(), required=False, allow_null=True
    )
    amount = MoneyField()

    def validate(self, attrs):
        if (attrs.get("milestone") is None) == (attrs.get("invoice") is None):
            raise serializers.ValidationError(_("Give either a milestone or an invoice."))
        return attrs


def allocation_pairs(items) -> list | None:
    if items is None:
        return None
    return [(a.get("invoice") or a["milestone"], a["amount"]) for a in items]


class ReceiptAllocationSerializer(ModelSerializer):
    milestone_name = serializers.CharField(source="milestone.name", read_only=True)
    contract_number = serializers.CharField(source="milestone.contract.number", read_only=True)

    class Meta:
        model = ReceiptAllocation
        fields = [
            "id",
            "milestone",
            "milestone_name",
            "contract_number",
            "amount",
            "created_at",
            "reversed_at",
        ]
        read_only_fields = fields


class ReceiptSerializer(ScopedModelSerializer):
    unapplied_amount = serializers.DecimalField(**MONEY, read_only=True)
    allocations = ReceiptAllocationSerializer(many=True, read_only=True)
    customer_name = serializers.CharField(source="customer.name", read_only=True)
    contract_number = serializers.CharField(
        source="contract.number", read_only=True, allow_null=True, default=None
    )
    version = serializers.IntegerField(read_only=True)

    class Meta:
        model = Receipt
        fields = [
            "id",
            "number",
            "customer",
            "customer_name",
            "contract",
            "contract_number",
            "amount",
            "currency",
            "received_on",
            "method",
            "bank_reference",
            "allocated_amount",
            "unapplied_amount",
            "state",
            "note",
            "allocations",
            "reversed_at",
            "reversal_reason",
            "created_at",
            "version",
        ]
        read_only_fields = fields


class ReceiptCreateSerializer(WriteScopeMixin, serializers.Serializer):
    scope_model = Receipt

    contract = ScopedPrimaryKeyRelatedField(
        queryset=Contract.objects.all(), required=False, allow_null=True
    )
    customer = ScopedPrimaryKeyRelatedField(
        queryset=Customer.objects.all(),
        required=False,
        allow_null=True,
        help_text="When the contract is not known yet: the money is held as credit.",
    )
    currency = serializers.ChoiceField(choices=Currency.choices, required=False)
    amount = MoneyField()
    received_on = DateField()
    method = serializers.ChoiceField(
        choices=PaymentMethod.choices, default=PaymentMethod.BANK_TRANSFER
    )
    bank_reference = serializers.CharField(
        required=False, allow_blank=True, max_length=100, default=""
    )
    note = serializers.CharField(required=False, allow_blank=True, max_length=2000, default="")
    allocations = AllocationInputSerializer(
        many=True, required=False, max_length=100, help_text="Omit to allocate oldest due first."
    )
    auto_allocate = serializers.BooleanField(
        default=True, help_text="Without allocations: allocate oldest due first (else hold)."
    )
    overpayment = serializers.ChoiceField(
        choices=[("hold", "hold as unapplied credit"), ("refuse", "refuse")], default="hold"
    )
    allow_duplicate = serializers.BooleanField(
        default=False, help_text="Record even if the same reference, date and amount exist."
    )

    def validate(self, attrs):
        if not attrs.get("contract") and not attrs.get("customer"):
            raise serializers.ValidationError({"contract": _("Give the contract or the customer.")})
        return attrs


class ReceiptAllocateSerializer(serializers.Serializer):
    allocations = AllocationInputSerializer(
        many=True, required=False, max_length=100, help_text="Omit to allocate oldest due first."
    )


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000)


class AllocationReverseSerializer(ReasonSerializer):
    allocation = serializers.IntegerField(min_value=1)


class InvoiceSerializer(ScopedModelSerializer):
    unpaid_amount = serializers.DecimalField(**MONEY, read_only=True)
    contract_number = serializers.CharField(source="contract.number", read_only=True)
    customer_name = serializers.CharField(source="customer.name", read_only=True)
    milestone_name = serializers.CharField(source="milestone.name", read_only=True)
    version = serializers.IntegerField(read_only=True)

    class Meta:
        model = Invoice
        fields = [
            "id",
            "number",
            "invoice_number",
            "kind",
            "contract",
            "contract_number",
            "milestone",
            "milestone_name",
            "customer",
            "customer_name",
            "amount",
            "currency",
            "tax_rate_pct",
            "issued_on",
            "paid_amount",
            "unpaid_amount",
            "state",
            "note",
            "cancelled_at",
            "cancel_reason",
            "created_at",
            "version",
        ]
        read_only_fields = fields


class InvoiceCreateSerializer(WriteScopeMixin, serializers.Serializer):
    scope_model = Invoice

    milestone = ScopedPrimaryKeyRelatedField(queryset=PaymentMilestone.objects.all())
    amount = MoneyField()
    issued_on = DateField()
    invoice_number = serializers.CharField(
        required=False, allow_blank=True, max_length=40, default=""
    )
    kind = serializers.ChoiceField(choices=InvoiceKind.choices, default=InvoiceKind.VAT_SPECIAL)
    note = serializers.CharField(required=False, allow_blank=True, max_length=2000, default="")


class WriteOffRequestSerializer(RecordSerializer):
    milestone_name = serializers.CharField(source="milestone.name", read_only=True)
    contract = serializers.IntegerField(source="milestone.contract_id", read_only=True)
    contract_number = serializers.CharField(source="milestone.contract.number", read_only=True)
    may_decide = serializers.SerializerMethodField()

    class Meta:
        model = WriteOffRequest
        fields = [
            "id",
            "milestone",
            "milestone_name",
            "contract",
            "contract_number",
            "amount",
            "currency",
            "reason",
            "state",
            "requested_by",
            "decided_by",
            "decided_at",
            "decision_comment",
            "created_at",
            "may_decide",
            "version",
            "available_transitions",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.BooleanField())
    def get_may_decide(self, obj) -> bool:
        from receivables.models.writeoffs import may_approve

        request = self.context.get("request")
        return bool(request and obj.state == "pending" and may_approve(obj, request.user))


class WriteOffCreateSerializer(WriteScopeMixin, serializers.Serializer):
    scope_model = WriteOffRequest

    milestone = ScopedPrimaryKeyRelatedField(queryset=PaymentMilestone.objects.all())
    reason = serializers.CharField(max_length=4000)


class CommentSerializer(serializers.Serializer):
    comment = serializers.CharField(required=False, allow_blank=True, max_length=4000, default="")


class MilestoneReminderSerializer(ModelSerializer):
    contract_number = serializers.CharField(source="milestone.contract.number", read_only=True)
    milestone_name = serializers.CharField(source="milestone.name", read_only=True)

    class Meta:
        model = MilestoneReminder
        fields = [
            "id",
            "milestone",
            "milestone_name",
            "contract_number",
            "kind",
            "due_date",
            "sent_on",
            "recipient_ids",
            "created_at",
        ]
        read_only_fields = fields


# --- Reports (documented shapes) ----------------------------------------------------------------


class AgeingFigures(serializers.Serializer):
    currency = serializers.CharField()
    count = serializers.IntegerField()
    total = serializers.DecimalField(**MONEY)
    overdue = serializers.DecimalField(**MONEY)
    not_due = serializers.DecimalField(**MONEY)
    d1_30 = serializers.DecimalField(**MONEY)
    d31_60 = serializers.DecimalField(**MONEY)
    d61_90 = serializers.DecimalField(**MONEY)
    d90_plus = serializers.DecimalField(**MONEY)


class AgeingRowSerializer(AgeingFigures):
    key = serializers.IntegerField(allow_null=True)
    label = serializers.CharField()


class AgeingBucketSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()


class AgeingConvertedSerializer(serializers.Serializer):
    total = ConvertedTotalSerializer()
    overdue = ConvertedTotalSerializer()


class AgeingSerializer(serializers.Serializer):
    as_of = DateField()
    refreshed_at = DateTimeField(
        allow_null=True,
        help_text="When the figures were counted, if they come from the ageing rollup "
        "(refreshed every minute; by org unit, for managers and finance); null when live.",
    )
    group = serializers.ChoiceField(choices=AgeingGroup.choices)
    buckets = AgeingBucketSerializer(many=True)
    rows = AgeingRowSerializer(many=True)
    totals = AgeingFigures(many=True)
    converted = AgeingConvertedSerializer(
        help_text="The totals of every currency converted into one (ADR 30)."
    )


class KpiSerializer(serializers.Serializer):
    currency = serializers.CharField()
    period_days = serializers.IntegerField()
    receivables = serializers.DecimalField(**MONEY)
    overdue = serializers.DecimalField(**MONEY)
    fell_due = serializers.DecimalField(**MONEY, help_text="Amounts that fell due in the period.")
    due_in_period = serializers.DecimalField(**MONEY)
    collected_in_period = serializers.DecimalField(**MONEY)
    dso_days = serializers.DecimalField(max_digits=10, decimal_places=1, allow_null=True)
    collection_rate_pct = serializers.DecimalField(max_digits=7, decimal_places=1, allow_null=True)


class CurrencyAmountSerializer(serializers.Serializer):
    currency = serializers.CharField()
    amount = serializers.DecimalField(**MONEY)
    count = serializers.IntegerField()


class ForecastMonthSerializer(CurrencyAmountSerializer):
    month = serializers.CharField(help_text="YYYY-MM")


class ForecastSerializer(serializers.Serializer):
    as_of = DateField()
    months = ForecastMonthSerializer(many=True)
    overdue = CurrencyAmountSerializer(many=True)
    later = CurrencyAmountSerializer(many=True)
    unscheduled = CurrencyAmountSerializer(many=True)


class ReconciliationSerializer(serializers.Serializer):
    milestones = serializers.ListField(child=serializers.DictField())
    receipts = serializers.ListField(child=serializers.DictField())
    contracts = serializers.ListField(child=serializers.DictField())
    customers = serializers.ListField(child=serializers.DictField())


class ProgressSerializer(serializers.Serializer):
    currency = serializers.CharField()
    planned = serializers.DecimalField(**MONEY)
    invoiced = serializers.DecimalField(**MONEY)
    paid = serializers.DecimalField(**MONEY)
    written_off = serializers.DecimalField(**MONEY)
    outstanding = serializers.DecimalField(**MONEY)
    overdue = serializers.DecimalField(**MONEY)
    collected_pct = serializers.DecimalField(max_digits=7, decimal_places=1, allow_null=True)


class BattleMapContractSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="contract.pk")
    number = serializers.CharField(source="contract.number")
    title = serializers.CharField(source="contract.title")
    state = serializers.CharField(source="contract.state")
    amount = serializers.DecimalField(source="contract.amount", **MONEY)
    currency = serializers.CharField(source="contract.currency")
    signed_on = DateField(source="contract.signed_on", allow_null=True)
    payment_terms = serializers.CharField(source="contract.payment_terms")
    planned = serializers.DecimalField(**MONEY)
    invoiced = serializers.DecimalField(**MONEY)
    paid = serializers.DecimalField(**MONEY)
    outstanding = serializers.DecimalField(**MONEY)
    overdue = serializers.DecimalField(**MONEY)
    collected_pct = serializers.DecimalField(max_digits=7, decimal_places=1, allow_null=True)
    milestones = PaymentMilestoneSerializer(many=True)


class BattleMapSerializer(serializers.Serializer):
    customer = serializers.IntegerField(source="customer.pk")
    customer_name = serializers.CharField(source="customer.name")
    customers = serializers.SerializerMethodField()
    today = DateField()
    progress = ProgressSerializer(many=True)
    contracts = BattleMapContractSerializer(many=True)
    upcoming = PaymentMilestoneSerializer(many=True)
    unpaid_invoices = InvoiceSerializer(many=True)
    receipts = ReceiptSerializer(many=True)
    credit = serializers.ListField(child=serializers.DictField())

    def get_customers(self, data) -> list[int]:
        return [c.pk for c in data["customers"]]

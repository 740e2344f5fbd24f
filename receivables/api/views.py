from django.shortcuts import get_object_or_404
from django.utils.decorators import method_decorator
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from core.api.mixins import ERRORS, ScopedViewSetMixin, TimelineMixin
from core.replica import reads_from_replica
from receivables import exports
from receivables.filters import (
    InvoiceFilter,
    MilestoneReminderFilter,
    PaymentMilestoneFilter,
    ReceiptFilter,
    WriteOffRequestFilter,
)
from receivables.models import (
    Invoice,
    MilestoneReminder,
    PaymentMilestone,
    Receipt,
    WriteOffRequest,
)
from receivables.selectors import (
    invoice_list,
    milestone_list,
    my_milestones,
    receipt_list,
    reminder_list,
    write_off_list,
)
from receivables.services import (
    allocation_reverse,
    invoice_cancel,
    invoice_issue,
    milestone_fields_update,
    payment_plan_set,
    receipt_allocate,
    receipt_record,
    receipt_reverse,
    write_off_approve,
    write_off_reject,
    write_off_request,
    write_off_withdraw,
)
from receivables.services.statements import statement_record

from .serializers import (
    AllocationReverseSerializer,
    CommentSerializer,
    InvoiceCreateSerializer,
    InvoiceSerializer,
    MilestoneReminderSerializer,
    PaymentMilestoneListSerializer,
    PaymentMilestoneSerializer,
    PaymentPlanSerializer,
    ReasonSerializer,
    ReceiptAllocateSerializer,
    ReceiptCreateSerializer,
    ReceiptSerializer,
    WriteOffCreateSerializer,
    WriteOffRequestSerializer,
    allocation_pairs,
)
from .statements import (
    STATEMENT_EXAMPLES,
    StatementEnvelopeSerializer,
    StatementRequestSerializer,
    StatementResultSerializer,
    line_validator,
    statement_response,
)

CSV = {(200, "text/csv"): OpenApiResponse(OpenApiTypes.STR, description="CSV, streamed")}


class ExportMixin:
    """`GET /<resource>/export/` streams the filtered list as CSV (constant memory)."""

    export_name = ""

    @extend_schema(responses=CSV, summary="Export the filtered list as CSV")
    @action(detail=False, methods=["get"], pagination_class=None)
    @method_decorator(reads_from_replica)
    def export(self, request):
        queryset = self.filter_queryset(self.get_queryset())
        return exports.response(self.export_name, queryset, request.user)


class PaymentMilestoneViewSet(
    ScopedViewSetMixin,
    TimelineMixin,
    ExportMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Payment milestones (首付款, 到货款, 验收款, 质保金 ...) with what is invoiced, paid and
    outstanding. `mine/`: the open milestones the signed-in rep chases."""

    queryset = PaymentMilestone.objects.none()
    selector = milestone_list
    serializer_class = PaymentMilestoneSerializer
    filterset_class = PaymentMilestoneFilter
    search_fields = ["name", "contract__number", "contract__customer__name"]
    ordering_fields = ["id", "due_date", "amount"]
    export_name = "milestones"
    # PATCH writes the custom values; the terms change through /payment-plans/ (a replan).
    http_method_names = ["get", "patch", "head", "options"]

    def update_record(self, instance, data, expected_version):
        return milestone_fields_update(
            milestone=instance,
            by=self.request.user,
            custom=data.get("custom", {}),
            expected_version=expected_version,
        )

    def get_queryset(self):
        queryset = super().get_queryset()
        if self.action in ("list", "mine"):  # only the columns a row shows
            queryset = queryset.select_related(None).select_related("contract__customer")
            queryset = queryset.only(*PaymentMilestoneListSerializer.columns)
        return queryset

    def get_serializer_class(self):
        if self.action in ("list", "mine"):
            return PaymentMilestoneListSerializer
        return PaymentMilestoneSerializer

    @extend_schema(responses=PaymentMilestoneListSerializer(many=True), summary="My milestones")
    @action(detail=False, methods=["get"])
    def mine(self, request):
        queryset = self.filter_queryset(my_milestones(user=request.user))
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)


class PaymentPlanViewSet(viewsets.ViewSet):
    """Set a contract's payment plan: milestones by percentage or amount, totalling exactly
    the contract amount (any rounding remainder goes to the last milestone)."""

    @extend_schema(
        request=PaymentPlanSerializer,
        responses={201: PaymentMilestoneSerializer(many=True), **ERRORS},
    )
    def create(self, request):
        data = PaymentPlanSerializer(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        milestones = payment_plan_set(
            contract=data.validated_data["contract"],
            by=request.user,
            milestones=data.validated_data["milestones"],
        )
        return Response(
            PaymentMilestoneSerializer(milestones, many=True, context={"request": request}).data,
            status=201,
        )


class InvoiceViewSet(
    ScopedViewSetMixin,
    TimelineMixin,
    ExportMixin,
    mixins.CreateModelMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Invoices (开票) against payment milestones; never beyond what is left to invoice.
    A wrong invoice is cancelled (红冲), never deleted."""

    queryset = Invoice.objects.none()
    selector = invoice_list
    serializer_class = InvoiceSerializer
    filterset_class = InvoiceFilter
    search_fields = ["number", "invoice_number", "contract__number", "customer__name"]
    ordering_fields = ["id", "issued_on", "amount"]
    export_name = "invoices"

    @extend_schema(request=InvoiceCreateSerializer, responses={201: InvoiceSerializer, **ERRORS})
    def create(self, request):
        data = InvoiceCreateSerializer(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        invoice = invoice_issue(by=request.user, **data.validated_data)
        return Response(self.get_serializer(self.get_queryset().get(pk=invoice.pk)).data, 201)

    @extend_schema(request=ReasonSerializer, responses={200: InvoiceSerializer, **ERRORS})
    @action(detail=True, methods=["post"], filter_backends=[])
    def cancellation(self, request, pk=None):
        """Cancel the invoice (红冲): its amount may be invoiced again."""
        invoice = self.get_object()
        data = ReasonSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        invoice_cancel(invoice=invoice, by=request.user, reason=data.validated_data["reason"])
        return Response(self.get_serializer(self.get_queryset().get(pk=invoice.pk)).data)


class ReceiptViewSet(
    ScopedViewSetMixin,
    TimelineMixin,
    ExportMixin,
    mixins.CreateModelMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Receipts (回款): money received, allocated to milestones or held as unapplied credit.
    Corrections are reversals: of one allocation (the money returns to credit) or of the
    whole receipt."""

    queryset = Receipt.objects.none()
    selector = receipt_list
    serializer_class = ReceiptSerializer
    filterset_class = ReceiptFilter
    search_fields = ["bank_reference", "number", "customer__name"]
    ordering_fields = ["id", "received_on", "amount"]
    export_name = "receipts"

    def get_queryset(self):
        return super().get_queryset().prefetch_related("allocations__milestone__contract")

    def _respond(self, receipt, status=200):
        return Response(self.get_serializer(self.get_queryset().get(pk=receipt.pk)).data, status)

    @extend_schema(request=ReceiptCreateSerializer, responses={201: ReceiptSerializer, **ERRORS})
    def create(self, request):
        data = ReceiptCreateSerializer(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        allocations = allocation_pairs(values.pop("allocations", None))
        receipt = receipt_record(
            by=request.user,
            contract=values.pop("contract", None),
            customer=values.pop("customer", None),
            refuse_overpayment=values.pop("overpayment") == "refuse",
            allocations=allocations,
            **values,
        )
        return self._respond(receipt, 201)

    @extend_schema(
        request=ReceiptAllocateSerializer,
        responses={200: ReceiptSerializer, **ERRORS},
        summary="Apply unapplied credit",
    )
    @action(detail=True, methods=["post"], filter_backends=[])
    def allocations(self, request, pk=None):
        """Apply the receipt's unapplied credit, by hand or oldest due first."""
        receipt = self.get_object()
        data = ReceiptAllocateSerializer(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        receipt_allocate(
            receipt=receipt,
            by=request.user,
            allocations=allocation_pairs(data.validated_data.get("allocations")),
        )
        return self._respond(receipt)

    @extend_schema(
        request=AllocationReverseSerializer,
        responses={200: ReceiptSerializer, **ERRORS},
        summary="Reverse one allocation",
    )
    @action(detail=True, methods=["post"], url_path="allocation-reversal", filter_backends=[])
    def allocation_reversal(self, request, pk=None):
        """Take one allocation back: the money returns to the receipt's unapplied credit."""
        receipt = self.get_object()
        data = AllocationReverseSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        allocation = get_object_or_404(receipt.allocations, pk=data.validated_data["allocation"])
        allocation_reverse(
            allocation=allocation, by=request.user, reason=data.validated_data["reason"]
        )
        return self._respond(receipt)

    @extend_schema(
        request=ReasonSerializer,
        responses={200: ReceiptSerializer, **ERRORS},
        summary="Reverse the receipt",
    )
    @action(detail=True, methods=["post"], filter_backends=[])
    def reversal(self, request, pk=None):
        """Reverse the whole receipt: every allocation is rolled back; it stays on record."""
        receipt = self.get_object()
        data = ReasonSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        receipt_reverse(receipt=receipt, by=request.user, reason=data.validated_data["reason"])
        return self._respond(receipt)

    @extend_schema(
        request=StatementRequestSerializer,
        responses={200: StatementResultSerializer, **ERRORS},
        examples=STATEMENT_EXAMPLES,
        summary="Record a bank statement: many receipts in one call",
    )
    @action(detail=False, methods=["post"], filter_backends=[], pagination_class=None)
    def bulk(self, request):
        """Record up to 500 lines of one account's bank statement as receipts, each allocated
        as asked (or oldest due first). A bank reference is recorded once per account: a line
        sent again is a `duplicate` naming the receipt it became, never a second receipt.
        Lines succeed or fail on their own; finance and administrators only."""
        envelope = StatementEnvelopeSerializer(data=request.data)
        envelope.is_valid(raise_exception=True)
        results = statement_record(
            by=request.user,
            account=envelope.validated_data["account"],
            lines=envelope.validated_data["lines"],
            validate=line_validator(self.get_serializer_context()),
        )
        return Response(StatementResultSerializer(statement_response(results)).data)


class WriteOffRequestViewSet(
    ScopedViewSetMixin,
    TimelineMixin,
    mixins.CreateModelMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Write-off requests (坏账核销): asked with a reason, approved by a sales manager over the
    contract's unit or a finance approver, never by the requester."""

    queryset = WriteOffRequest.objects.none()
    selector = write_off_list
    serializer_class = WriteOffRequestSerializer
    filterset_class = WriteOffRequestFilter
    search_fields = ["milestone__contract__number", "reason"]
    ordering_fields = ["id", "amount"]

    def _respond(self, request_obj, status=200):
        return Response(
            self.get_serializer(self.get_queryset().get(pk=request_obj.pk)).data, status
        )

    @extend_schema(
        request=WriteOffCreateSerializer, responses={201: WriteOffRequestSerializer, **ERRORS}
    )
    def create(self, request):
        data = WriteOffCreateSerializer(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        created = write_off_request(by=request.user, **data.validated_data)
        return self._respond(created, 201)

    @extend_schema(request=CommentSerializer, responses={200: WriteOffRequestSerializer, **ERRORS})
    @action(detail=True, methods=["post"], filter_backends=[])
    def approval(self, request, pk=None):
        """Approve: the milestone's outstanding amount is written off."""
        obj = self.get_object_for_decision()
        data = CommentSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        write_off_approve(request=obj, by=request.user, comment=data.validated_data["comment"])
        return self._respond(obj)

    @extend_schema(request=ReasonSerializer, responses={200: WriteOffRequestSerializer, **ERRORS})
    @action(detail=True, methods=["post"], filter_backends=[])
    def rejection(self, request, pk=None):
        """Reject: the milestone stays open and is chased on."""
        obj = self.get_object_for_decision()
        data = ReasonSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        write_off_reject(request=obj, by=request.user, reason=data.validated_data["reason"])
        return self._respond(obj)

    @extend_schema(request=None, responses={200: WriteOffRequestSerializer, **ERRORS})
    @action(detail=True, methods=["post"], filter_backends=[])
    def withdrawal(self, request, pk=None):
        """The requester takes the request back."""
        obj = self.get_object_for_decision()
        write_off_withdraw(request=obj, by=request.user)
        return self._respond(obj)

    def get_object_for_decision(self):
        """A request one may see; the services decide (403/409) whether one may act on it."""
        return get_object_or_404(self.get_queryset(), pk=self.kwargs["pk"])


class MilestoneReminderViewSet(
    ScopedViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Payment reminders sent by the daily scan: one per milestone and ladder step."""

    queryset = MilestoneReminder.objects.none()
    selector = reminder_list
    serializer_class = MilestoneReminderSerializer
    filterset_class = MilestoneReminderFilter
    ordering_fields = ["id", "sent_on"]

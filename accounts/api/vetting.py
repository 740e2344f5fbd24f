"""The customer vetting queue (客户审批, 列名; ADR 19): the pending customers an approver may
decide, oldest first with their age, and one request that approves or rejects many, each row
on its own."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from accounts.choices import CustomerVetting
from accounts.filters import CustomerFilter
from accounts.models import Customer, OrgUnit, User
from accounts.selectors import customer_vetting_queue
from accounts.services.vetting import (
    VETTING_BULK_MAX,
    customer_vetting_decide,
    customers_vetting_decide,
    pick_record,
)
from core import policy
from core.api.mixins import ERRORS
from core.api.pagination import CursorPagination
from core.api.serializers import ErrorSerializer, ScopedModelSerializer
from core.approvals.choices import ApprovalDecision

from .serializers import CustomerSerializer


class CustomerVettingSerializer(ScopedModelSerializer):
    """A pending customer in the queue: what the approver weighs (revenue, industry, region),
    where it is filed and for whom, who asked and how long ago."""

    needs_changeable_ids = False

    owner_name = serializers.CharField(source="owner.__str__", read_only=True, default="")
    org_unit_name = serializers.CharField(source="org_unit.name", read_only=True)
    approval = serializers.IntegerField(source="approval_id", read_only=True, allow_null=True)
    requested_by = serializers.IntegerField(
        source="requested_by_id", read_only=True, allow_null=True
    )
    age_days = serializers.SerializerMethodField()

    class Meta:
        model = Customer
        fields = [
            "id",
            "name",
            "credit_code",
            "industry",
            "region",
            "tier",
            "annual_revenue",
            "revenue_currency",
            "owner",
            "owner_name",
            "org_unit",
            "org_unit_name",
            "state",
            "approval",
            "requested_by",
            "created_at",
            "age_days",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.IntegerField())
    def get_age_days(self, obj) -> int:
        """Whole days since the customer was created (waiting since)."""
        return (timezone.localdate() - timezone.localtime(obj.created_at).date()).days


class VettingDecisionSerializer(serializers.Serializer):
    """One customer's decision."""

    decision = serializers.ChoiceField(choices=ApprovalDecision.choices)
    comment = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=4000,
        help_text="Why; required to reject or send back.",
    )
    owner = serializers.IntegerField(
        required=False, allow_null=True, help_text="Approving: the account manager it goes to."
    )
    org_unit = serializers.IntegerField(
        required=False, allow_null=True, help_text="Approving: its territory (org unit)."
    )


class VettingItemSerializer(VettingDecisionSerializer):
    """One row of a bulk decision."""

    customer = serializers.IntegerField(help_text="The pending customer's id.")


class VettingDecideSerializer(serializers.Serializer):
    items = serializers.ListField(
        child=serializers.DictField(), allow_empty=False, max_length=VETTING_BULK_MAX
    )


class VettingDecideRequestSerializer(serializers.Serializer):
    """For the schema: the rows as they should be."""

    items = VettingItemSerializer(many=True)


class VettingResultSerializer(serializers.Serializer):
    index = serializers.IntegerField()
    customer = serializers.IntegerField(allow_null=True)
    status = serializers.ChoiceField(
        choices=[*CustomerVetting.values, "error"],
        help_text="The customer's state after the decision (pending: a further step waits), "
        "or error.",
    )
    error = ErrorSerializer(required=False)


class VettingDecideResponseSerializer(serializers.Serializer):
    results = VettingResultSerializer(many=True)


class OldestFirstPagination(CursorPagination):
    ordering = ("created_at", "id")


class CustomerVettingViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """The customers waiting for approval that you vet (sales managers over their unit,
    administrators), oldest first. `decide/` approves, rejects or sends back many at once:
    each row through the approval engine on its own (one that fails reports its error and the
    others still apply); approving may set the customer's `owner` and `org_unit` (territory),
    held to your scope."""

    queryset = Customer.objects.none()
    serializer_class = CustomerVettingSerializer
    filterset_class = CustomerFilter
    pagination_class = OldestFirstPagination

    def get_queryset(self):
        """A queue, not every customer one may see: the pending ones of the units one may
        change, for those who vet (the selector goes through the access policy)."""
        return customer_vetting_queue(user=self.request.user)

    @extend_schema(
        operation_id="customer_vetting_decide_many",
        request=VettingDecideRequestSerializer,
        responses={200: VettingDecideResponseSerializer, **ERRORS},
    )
    @action(detail=False, methods=["post"], filter_backends=[], pagination_class=None)
    def decide(self, request):
        envelope = VettingDecideSerializer(data=request.data)
        envelope.is_valid(raise_exception=True)
        results = customers_vetting_decide(by=request.user, items=envelope.validated_data["items"])
        return Response({"results": results})

    @extend_schema(
        operation_id="customer_vetting_decide_one",
        request=VettingDecisionSerializer,
        responses={200: CustomerSerializer, **ERRORS},
    )
    @action(
        detail=True,
        methods=["post"],
        url_path="decide",
        url_name="decide-one",
        filter_backends=[],
        pagination_class=None,
    )
    def decide_one(self, request, pk=None):
        """Decide one pending customer: of two approvers at once one decides, the other gets
        409 `approval_not_pending` (as does one already decided); a customer one may not see
        is a 404, one whose step does not wait for you a 403."""
        # Any customer one may see: one decided meanwhile is a 409, not a 404.
        customer = get_object_or_404(
            policy.restrict(Customer.objects.all(), request.user, "view"), pk=pk
        )
        data = VettingDecisionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        decided = customer_vetting_decide(
            customer=customer,
            by=request.user,
            decision=values["decision"],
            comment=values.get("comment", ""),
            owner=pick_record(User.objects.filter(is_active=True), values.get("owner"), "owner"),
            org_unit=pick_record(OrgUnit.objects.all(), values.get("org_unit"), "org_unit"),
        )
        return Response(CustomerSerializer(decided, context={"request": request}).data)

"""API of contract execution (MCE): contracts, delivery plan, documents, change requests,
amendments and evaluations. Every read is scoped by the access policy; every write is a
service."""

from __future__ import annotations

from django.http import FileResponse
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from accounts.models import OrgUnit
from contracts.filters import (
    ChangeRequestFilter,
    ContractAmendmentFilter,
    ContractDocumentFilter,
    ContractEvaluationFilter,
    ContractFilter,
    DeliverableFilter,
    DeliveryMilestoneFilter,
)
from contracts.models import (
    ChangeRequest,
    Contract,
    ContractAmendment,
    ContractDocument,
    ContractEvaluation,
    Deliverable,
    DeliveryMilestone,
    DirectContractRule,
)
from contracts.selectors import (
    amendment_list,
    change_request_list,
    contract_list,
    deliverable_list,
    document_list,
    evaluation_list,
    evaluation_report,
    milestone_list,
)
from contracts.services import (
    change_request_create,
    change_request_transition,
    change_request_update,
    close_checklist,
    close_review_open,
    contract_confirm,
    contract_create,
    contract_evaluate,
    contract_team_set,
    contract_transition,
    contract_update,
    deliverable_create,
    deliverable_transition,
    deliverable_update,
    direct_rule_create,
    direct_rule_update,
    document_upload,
    milestone_create,
    milestone_reach,
    milestone_transition,
    milestone_update,
)
from core.api.mixins import (
    ERRORS,
    ScopedViewSetMixin,
    TimelineMixin,
    TransitionsMixin,
    requested_version,
    transitions_schema,
)
from core.api.parsers import JSONParser
from core.api.serializers import GateReviewSerializer
from core.api.views import IsAdminOrReadOnly
from core.choices import TriangleRole
from core.errors import NotFound
from core.uploads import file_response
from opportunities.api.serializers import TeamSerializer

from .serializers import (
    ChangeRequestSerializer,
    ChecklistSerializer,
    ConfirmSerializer,
    ContractAmendmentSerializer,
    ContractCreateSerializer,
    ContractDocumentSerializer,
    ContractDocumentUploadSerializer,
    ContractEvaluateSerializer,
    ContractEvaluationSerializer,
    ContractSerializer,
    DeliverableSerializer,
    DeliveryMilestoneSerializer,
    DirectContractRuleSerializer,
    EvaluationReportSerializer,
    MilestoneReachSerializer,
    ReportQuerySerializer,
)

_WRITE = ["get", "post", "put", "patch", "head", "options"]


@transitions_schema(Contract, ContractSerializer)
class ContractViewSet(
    ScopedViewSetMixin,
    TransitionsMixin,
    TimelineMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Contracts (MCE): sign, confirm and accept, deliver, close (through the close review),
    evaluate; suspend or terminate. Framework agreements and their call-off orders."""

    queryset = Contract.objects.none()
    selector = contract_list
    serializer_class = ContractSerializer
    filterset_class = ContractFilter
    search_fields = ["title", "number", "customer_reference"]
    ordering_fields = ["id", "amount", "signed_on", "ends_on", "created_at"]
    http_method_names = _WRITE

    def get_serializer_class(self):
        return ContractCreateSerializer if self.action == "create" else ContractSerializer

    def create_record(self, data):
        sr, fr = data.pop("sr", None), data.pop("fr", None)
        return contract_create(by=self.request.user, data=data, sr=sr, fr=fr)

    def update_record(self, instance, data, expected_version):
        return contract_update(
            contract=instance, by=self.request.user, data=data, expected_version=expected_version
        )

    def run_transition(self, obj, name, data):
        return contract_transition(
            contract=obj,
            name=name,
            by=self.request.user,
            reason=data["reason"],
            comment=data["comment"],
        )

    def _fresh(self, pk):
        return Response(self.get_serializer(self.get_queryset().get(pk=pk)).data)

    @extend_schema(request=ConfirmSerializer, responses={200: ContractSerializer, **ERRORS})
    @action(detail=True, methods=["post"], filter_backends=[])
    def confirm(self, request, pk=None):
        """Confirm the signed contract's content: the AR for sales, the FR for delivery
        (合同接受和确认). The second confirmation accepts the contract."""
        contract = self.get_object()
        data = ConfirmSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        contract_confirm(contract=contract, by=request.user, **data.validated_data)
        return self._fresh(contract.pk)

    @extend_schema(request=TeamSerializer, responses={200: ContractSerializer, **ERRORS})
    @action(detail=True, methods=["put"], filter_backends=[])
    def team(self, request, pk=None):
        """Set the iron triangle (AR, SR, FR and further members). AR or manager only."""
        contract = self.get_object()
        data = TeamSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        seats = {
            role: values[role]
            for role in (TriangleRole.AR, TriangleRole.SR, TriangleRole.FR)
            if role in values
        }
        contract_team_set(
            contract=contract, by=request.user, seats=seats, members=values.get("members")
        )
        return self._fresh(contract.pk)

    @extend_schema(responses={200: ChecklistSerializer, **ERRORS})
    @action(detail=True, methods=["get"], url_path="close-checklist", filter_backends=[])
    def close_checklist(self, request, pk=None):
        """What keeps the contract from closing, each named (empty: ready for the close
        review)."""
        missing = close_checklist(self.get_object())
        return Response({"ready": not missing, "missing": missing})

    @extend_schema(request=None, responses={201: GateReviewSerializer, **ERRORS})
    @action(detail=True, methods=["post"], url_path="close-review", filter_backends=[])
    def close_review(self, request, pk=None):
        """Open the close review (refused with 409, naming what is missing, while anything
        is)."""
        review = close_review_open(contract=self.get_object(), by=request.user)
        return Response(
            GateReviewSerializer(review, context=self.get_serializer_context()).data, status=201
        )


@transitions_schema(Deliverable, DeliverableSerializer)
class DeliverableViewSet(
    ScopedViewSetMixin,
    TransitionsMixin,
    TimelineMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Deliverables of a contract: owner, planned and actual date, status."""

    queryset = Deliverable.objects.none()
    selector = deliverable_list
    serializer_class = DeliverableSerializer
    filterset_class = DeliverableFilter
    search_fields = ["name"]
    ordering_fields = ["id", "due_on"]
    http_method_names = _WRITE

    def create_record(self, data):
        contract = data.pop("contract")
        return deliverable_create(contract=contract, by=self.request.user, data=data)

    def update_record(self, instance, data, expected_version):
        data.pop("contract", None)
        return deliverable_update(
            deliverable=instance,
            by=self.request.user,
            data=data,
            expected_version=expected_version,
        )

    def run_transition(self, obj, name, data):
        return deliverable_transition(
            deliverable=obj,
            name=name,
            by=self.request.user,
            reason=data["reason"],
            comment=data["comment"],
        )


@transitions_schema(DeliveryMilestone, DeliveryMilestoneSerializer)
class DeliveryMilestoneViewSet(
    ScopedViewSetMixin,
    TransitionsMixin,
    TimelineMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Delivery milestones (shipment, arrival, installation, acceptance, warranty start and
    end) with baseline, planned and actual dates; `overdue=true` lists the late ones."""

    queryset = DeliveryMilestone.objects.none()
    selector = milestone_list
    serializer_class = DeliveryMilestoneSerializer
    filterset_class = DeliveryMilestoneFilter
    search_fields = ["name"]
    ordering_fields = ["id", "planned_date", "actual_date"]
    http_method_names = _WRITE
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    def create_record(self, data):
        contract = data.pop("contract")
        return milestone_create(contract=contract, by=self.request.user, data=data)

    def update_record(self, instance, data, expected_version):
        data.pop("contract", None)
        return milestone_update(
            milestone=instance, by=self.request.user, data=data, expected_version=expected_version
        )

    def run_transition(self, obj, name, data):
        return milestone_transition(
            milestone=obj,
            name=name,
            by=self.request.user,
            reason=data["reason"],
            comment=data["comment"],
        )

    @extend_schema(
        request={
            "application/json": MilestoneReachSerializer,
            "multipart/form-data": MilestoneReachSerializer,
        },
        responses={200: DeliveryMilestoneSerializer, **ERRORS},
    )
    @action(detail=True, methods=["post"], filter_backends=[])
    def reach(self, request, pk=None):
        """Record that the step happened (today unless `actual_date`), with its evidence if
        not attached yet (arrival and acceptance need it). Collections make the matching
        payment milestone due."""
        milestone = self.get_object()
        data = MilestoneReachSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        milestone_reach(milestone=milestone, by=request.user, **data.validated_data)
        return Response(self.get_serializer(self.get_queryset().get(pk=milestone.pk)).data)


class ContractDocumentViewSet(
    ScopedViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Documents kept as evidence (signed contract, delivery notes, arrival and acceptance
    certificates ...). Upload as multipart; download through `download/` (policy-checked)."""

    queryset = ContractDocument.objects.none()
    selector = document_list
    serializer_class = ContractDocumentSerializer
    filterset_class = ContractDocumentFilter
    search_fields = ["title", "original_name"]
    ordering_fields = ["id", "created_at"]
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        request={"multipart/form-data": ContractDocumentUploadSerializer},
        responses={201: ContractDocumentSerializer, **ERRORS},
    )
    def create(self, request):
        """Upload a document to a contract (optionally to one of its delivery milestones)."""
        data = ContractDocumentUploadSerializer(
            data=request.data, context=self.get_serializer_context()
        )
        data.is_valid(raise_exception=True)
        document = document_upload(by=request.user, **data.validated_data)
        return Response(self.get_serializer(document).data, status=201)

    @extend_schema(responses={(200, "application/octet-stream"): bytes, **ERRORS})
    @action(detail=True, methods=["get"], filter_backends=[])
    def download(self, request, pk=None):
        """The file itself, to whoever may see the contract."""
        return document_response(self.get_object())


def document_response(document: ContractDocument) -> FileResponse:
    """Send a stored document as an attachment with the type we checked at upload."""
    return file_response(
        document.file, filename=document.original_name, content_type=document.content_type
    )


@transitions_schema(ChangeRequest, ChangeRequestSerializer)
class ChangeRequestViewSet(
    ScopedViewSetMixin,
    TransitionsMixin,
    TimelineMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Change requests (合同变更): raised from a customer's request; the FR takes one up
    (`transitions/take_up`, opening its change review at the representative office) or
    declines it (`transitions/decline` with a reason); the review's go makes an amendment."""

    queryset = ChangeRequest.objects.none()
    selector = change_request_list
    serializer_class = ChangeRequestSerializer
    filterset_class = ChangeRequestFilter
    search_fields = ["title", "number"]
    ordering_fields = ["id", "requested_on"]
    http_method_names = _WRITE

    @staticmethod
    def _replans(data):
        rows = data.pop("replans", None)
        if rows is None:
            return None
        return [(row["milestone"], row["planned_date"]) for row in rows]

    def create_record(self, data):
        contract = data.pop("contract")
        replans = self._replans(data)
        return change_request_create(
            contract=contract, by=self.request.user, data=data, replans=replans
        )

    def update_record(self, instance, data, expected_version):
        data.pop("contract", None)
        replans = self._replans(data)
        return change_request_update(
            change=instance,
            by=self.request.user,
            data=data,
            replans=replans,
            expected_version=expected_version,
        )

    def run_transition(self, obj, name, data):
        return change_request_transition(
            change=obj,
            name=name,
            by=self.request.user,
            reason=data["reason"],
            comment=data["comment"],
        )


class ContractAmendmentViewSet(
    ScopedViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Amendments: every version of a contract's amount, scope and schedule, each made by an
    approved change. Read-only: history is never rewritten."""

    queryset = ContractAmendment.objects.none()
    selector = amendment_list
    serializer_class = ContractAmendmentSerializer
    filterset_class = ContractAmendmentFilter
    ordering_fields = ["id", "version"]


class ContractEvaluationViewSet(
    ScopedViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Contract evaluations (合同评价): signed vs actual margin, schedule kept, acceptance,
    days to collect, a score and the lessons learnt; `report/` averages them."""

    queryset = ContractEvaluation.objects.none()
    selector = evaluation_list
    serializer_class = ContractEvaluationSerializer
    filterset_class = ContractEvaluationFilter
    ordering_fields = ["id", "created_at", "score"]

    @extend_schema(
        request=ContractEvaluateSerializer, responses={201: ContractEvaluationSerializer, **ERRORS}
    )
    def create(self, request):
        """Evaluate a closed contract; it becomes evaluated."""
        data = ContractEvaluateSerializer(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        evaluation = contract_evaluate(by=request.user, **data.validated_data)
        return Response(self.get_serializer(evaluation).data, status=201)

    @extend_schema(
        parameters=[ReportQuerySerializer],
        responses={200: EvaluationReportSerializer, **ERRORS},
    )
    @action(detail=False, methods=["get"], filter_backends=[], pagination_class=None)
    def report(self, request):
        """Averages of the evaluations you may see, by org unit and/or period."""
        query = ReportQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        values = dict(query.validated_data)
        unit_id = values.pop("org_unit", None)
        unit = OrgUnit.objects.filter(pk=unit_id).first() if unit_id else None
        if unit_id and unit is None:
            raise NotFound(_("No such org unit."))
        report = evaluation_report(user=request.user, org_unit=unit, **values)
        return Response(EvaluationReportSerializer(report).data)


class DirectContractRuleViewSet(
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """The rules under which a contract may be signed without an ATC of its own (framework
    call-offs, renewals, small orders, framework agreements): per org unit's subtree, up to an
    amount, for some roles. Read by every signed-in user (a contract names one), changed by
    administrators (audited, version-checked). See docs/adr/0014-direct-contracts.md."""

    queryset = DirectContractRule.objects.select_related("org_unit")
    serializer_class = DirectContractRuleSerializer
    filterset_fields = ["org_unit", "kind", "is_active"]
    permission_classes = [*viewsets.GenericViewSet.permission_classes, IsAdminOrReadOnly]
    http_method_names = ["get", "post", "patch", "head", "options"]

    def perform_create(self, serializer):
        serializer.instance = direct_rule_create(
            by=self.request.user, data=dict(serializer.validated_data)
        )

    def perform_update(self, serializer):
        serializer.instance = direct_rule_update(
            rule=serializer.instance,
            by=self.request.user,
            data=dict(serializer.validated_data),
            expected_version=requested_version(self.request),
        )

"""API of approval chains (ADR 17): /approval-chains/ (administrators write, steps nested),
/approvals/ (the requests one may see; `?waiting_on=me`; decide, withdraw, resubmit) and
/delegations/ (one's stand-in while away)."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db.models import Exists, OuterRef, Q
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import mixins, permissions, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from core import policy
from core.approvals.chains import chain_define, chain_update
from core.approvals.choices import ApprovalDecision, ApprovalKind
from core.approvals.delegations import delegation_create, delegation_end
from core.approvals.engine import may_decide, request_decide, request_resubmit, request_withdraw
from core.approvals.models import (
    ApprovalChain,
    ApprovalRequest,
    ApprovalStep,
    ApprovalTask,
    Delegation,
)
from core.approvals.selectors import requests_visible
from core.params import query_params

from .mixins import ERRORS, requested_version
from .pagination import CursorPagination
from .serializers import ModelSerializer


class IsChainAdminOrReadOnly(permissions.BasePermission):
    def has_permission(self, request, view):
        if request.method in permissions.SAFE_METHODS:
            return True
        return policy.may(request.user, "approvals.manage_chains")


class ApprovalStepSerializer(ModelSerializer):
    condition = serializers.JSONField(required=False)
    approver = serializers.JSONField()
    escalate_to = serializers.JSONField(required=False, allow_null=True)

    class Meta:
        model = ApprovalStep
        fields = [
            "position",
            "name",
            "condition",
            "approver",
            "mode",
            "time_limit_hours",
            "escalate_to",
        ]
        read_only_fields = ["position"]
        extra_kwargs = {"mode": {"required": False}}


class ApprovalChainSerializer(ModelSerializer):
    steps = serializers.SerializerMethodField()

    class Meta:
        model = ApprovalChain
        fields = ["id", "kind", "name", "active", "version", "steps", "updated_at"]
        read_only_fields = fields

    @extend_schema_field(ApprovalStepSerializer(many=True))
    def get_steps(self, obj) -> list[dict]:
        return ApprovalStepSerializer(obj.steps, many=True).data


class ApprovalChainWriteSerializer(serializers.Serializer):
    """A chain as written: its steps are given whole, in order (they replace the old ones)."""

    scope_model = ApprovalChain

    kind = serializers.ChoiceField(choices=ApprovalKind.choices, required=False)
    name = serializers.CharField(max_length=120, required=False)
    active = serializers.BooleanField(required=False)
    steps = serializers.ListField(child=serializers.JSONField(), required=False, max_length=20)


class ApprovalChainViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Approval chains, one active per kind of approval: administrators define and change
    them (bad steps are a 400 and nothing is saved; a step nobody could approve is
    `no_possible_approver`); everyone signed in may read them."""

    queryset = ApprovalChain.objects.none()
    serializer_class = ApprovalChainSerializer
    permission_classes = [permissions.IsAuthenticated, IsChainAdminOrReadOnly]
    filterset_fields = ["kind", "active"]
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        return ApprovalChain.objects.all().order_by("kind", "id")

    @extend_schema(
        request=ApprovalChainWriteSerializer, responses={201: ApprovalChainSerializer, **ERRORS}
    )
    def create(self, request, *args, **kwargs):
        data = ApprovalChainWriteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        chain = chain_define(
            kind=values.get("kind", ""),
            name=values.get("name", ""),
            steps=values.get("steps"),
            active=values.get("active", True),
            by=request.user,
        )
        return Response(ApprovalChainSerializer(chain).data, status=201)

    @extend_schema(
        request=ApprovalChainWriteSerializer, responses={200: ApprovalChainSerializer, **ERRORS}
    )
    def partial_update(self, request, *args, **kwargs):
        chain = self.get_object()
        data = ApprovalChainWriteSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        chain = chain_update(
            chain=chain,
            by=request.user,
            name=values.get("name"),
            active=values.get("active"),
            steps=values.get("steps"),
            expected_version=requested_version(request),
        )
        return Response(ApprovalChainSerializer(chain).data)

    def update(self, request, *args, **kwargs):
        return self.partial_update(request, *args, **kwargs)


class ApprovalTaskSerializer(ModelSerializer):
    step_name = serializers.CharField(source="step.shown_name", read_only=True)
    step_position = serializers.IntegerField(source="step.position", read_only=True)

    class Meta:
        model = ApprovalTask
        fields = [
            "id",
            "step_position",
            "step_name",
            "round",
            "assignee",
            "delegated_from",
            "escalated",
            "outcome",
            "comment",
            "created_at",
            "decided_at",
        ]
        read_only_fields = fields


class ApprovalRequestSerializer(ModelSerializer):
    tasks = ApprovalTaskSerializer(many=True, read_only=True)
    subject_type = serializers.SerializerMethodField()
    current_step_name = serializers.SerializerMethodField()
    may_decide = serializers.SerializerMethodField()

    class Meta:
        model = ApprovalRequest
        fields = [
            "id",
            "kind",
            "title",
            "subject_type",
            "subject_id",
            "requester",
            "org_unit",
            "facts",
            "state",
            "round",
            "current_step_name",
            "waiting_since",
            "decided_at",
            "created_at",
            "may_decide",
            "tasks",
        ]
        read_only_fields = fields

    def get_subject_type(self, obj) -> str:
        return obj.subject_type.model_class()._meta.label if obj.subject_type_id else ""

    def get_current_step_name(self, obj) -> str:
        return obj.current_step.shown_name if obj.current_step_id else ""

    def get_may_decide(self, obj) -> bool:
        request = self.context.get("request")
        return bool(request and may_decide(request.user, obj))


class ApprovalDecideSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(choices=ApprovalDecision.choices)
    comment = serializers.CharField(required=False, allow_blank=True, max_length=4000, default="")


class ApprovalReasonSerializer(serializers.Serializer):
    comment = serializers.CharField(required=False, allow_blank=True, max_length=4000, default="")


class WaitingFirstPagination(CursorPagination):
    ordering = ("waiting_since", "id")


ANSWERS = {200: ApprovalRequestSerializer, **ERRORS}


@extend_schema_view(
    list=extend_schema(
        parameters=[
            OpenApiParameter(
                "waiting_on",
                OpenApiTypes.STR,
                enum=["me"],
                description="`me`: only what waits for my decision, oldest first",
            )
        ]
    )
)
class ApprovalRequestViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Approval requests one may see (one's own, one's unit's subtree, those one is asked to
    decide), with each step's decisions. Decide, withdraw (the requester) and resubmit after
    a send-back (the requester)."""

    queryset = ApprovalRequest.objects.none()
    serializer_class = ApprovalRequestSerializer
    filterset_fields = ["kind", "state"]

    @property
    def paginator(self):
        """Oldest first when asked what waits on me (by when its step started), else newest."""
        if not hasattr(self, "_paginator"):
            waiting = query_params(self.request).text("waiting_on") == "me"
            self._paginator = WaitingFirstPagination() if waiting else CursorPagination()
        return self._paginator

    def get_queryset(self):
        user = self.request.user
        qs = requests_visible(user).select_related("subject_type").prefetch_related("tasks__step")
        if query_params(self.request).text("waiting_on") == "me":
            waiting = ApprovalTask.objects.filter(request=OuterRef("pk"), assignee=user, outcome="")
            return qs.filter(Exists(waiting), state="pending").order_by("waiting_since", "id")
        return qs.order_by("-id")

    @extend_schema(
        request=ApprovalDecideSerializer, responses={200: ApprovalRequestSerializer, **ERRORS}
    )
    @action(detail=True, methods=["post"])
    def decide(self, request, pk=None):
        """Approve, reject or send back the step waiting on me (a reason for the last two)."""
        data = ApprovalDecideSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        done = request_decide(request=self.get_object(), by=request.user, **data.validated_data)
        return Response(self.get_serializer(self._fresh(done)).data)

    @extend_schema(
        request=ApprovalReasonSerializer, responses={200: ApprovalRequestSerializer, **ERRORS}
    )
    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk=None):
        """The requester takes the request back."""
        data = ApprovalReasonSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        done = request_withdraw(
            request=self.get_object(), by=request.user, reason=data.validated_data["comment"]
        )
        return Response(self.get_serializer(self._fresh(done)).data)

    @extend_schema(
        request=ApprovalReasonSerializer, responses={200: ApprovalRequestSerializer, **ERRORS}
    )
    @action(detail=True, methods=["post"])
    def resubmit(self, request, pk=None):
        """The requester submits again after a send-back: the chain runs from its first step."""
        data = ApprovalReasonSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        done = request_resubmit(
            request=self.get_object(), by=request.user, comment=data.validated_data["comment"]
        )
        return Response(self.get_serializer(self._fresh(done)).data)

    def _fresh(self, request_obj):
        return requests_visible(self.request.user).get(pk=request_obj.pk)


class DelegationSerializer(ModelSerializer):
    to_user = serializers.PrimaryKeyRelatedField(
        queryset=get_user_model().objects.filter(is_active=True)
    )

    class Meta:
        model = Delegation
        fields = ["id", "from_user", "to_user", "starts_on", "ends_on", "active", "created_at"]
        read_only_fields = ["id", "from_user", "active", "created_at"]


class DelegationViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Who stands in for whom while away: one's own delegations and those to one (an
    administrator sees all). A delegation that would close a circle is a 400
    (`delegation_cycle`)."""

    queryset = Delegation.objects.none()
    serializer_class = DelegationSerializer
    filterset_fields = ["active"]

    def get_queryset(self):
        user = self.request.user
        qs = Delegation.objects.select_related("from_user", "to_user")
        if policy.is_admin(user):
            return qs
        return qs.filter(Q(from_user=user) | Q(to_user=user))

    @extend_schema(responses={201: DelegationSerializer, **ERRORS})
    def create(self, request, *args, **kwargs):
        data = self.get_serializer(data=request.data)
        data.is_valid(raise_exception=True)
        delegation = delegation_create(by=request.user, **data.validated_data)
        return Response(self.get_serializer(delegation).data, status=201)

    @extend_schema(request=None, responses={200: DelegationSerializer, **ERRORS})
    @action(detail=True, methods=["post"])
    def end(self, request, pk=None):
        """End the delegation now."""
        delegation = delegation_end(delegation=self.get_object(), by=request.user)
        return Response(self.get_serializer(delegation).data)

import hashlib

from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, permissions, throttling, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.api.views import ExportMixin
from core import policy
from core.api.errors import error_body
from core.api.mixins import (
    ERRORS,
    ScopedViewSetMixin,
    TimelineMixin,
    TransitionsMixin,
    transitions_schema,
)
from core.api.serializers import ErrorSerializer
from core.api.views import IsAdminOrReadOnly, IsManagerOrReadOnly
from core.errors import NotFound
from core.params import query_params
from leads.filters import LeadFilter
from leads.imports import lead_export_columns
from leads.merge import lead_merge
from leads.models import DistributionRule, Lead, LeadCaptureSource, LeadQualificationPolicy
from leads.selectors import capture_source_list, distribution_rule_list, lead_board, lead_list
from leads.services import (
    RevokedKey,
    UnknownKey,
    capture_source_create,
    capture_source_for_key,
    capture_source_revoke,
    capture_source_update,
    distribution_rule_create,
    distribution_rule_update,
    lead_assign,
    lead_capture_web,
    lead_create,
    lead_distribute,
    lead_qualification_policy_set,
    lead_transition,
    lead_update,
    origin_may_post,
)

from .serializers import (
    DistributionRuleSerializer,
    LeadAssignSerializer,
    LeadBoardColumnSerializer,
    LeadCaptureSourceSerializer,
    LeadCaptureSourceUpdateSerializer,
    LeadCreateSerializer,
    LeadDistributeSerializer,
    LeadListSerializer,
    LeadMergeSerializer,
    LeadQualificationPolicySerializer,
    LeadSerializer,
    WebToLeadReceiptSerializer,
    WebToLeadSerializer,
)


@transitions_schema(Lead, LeadSerializer)
class LeadViewSet(
    ScopedViewSetMixin,
    TransitionsMixin,
    TimelineMixin,
    ExportMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Leads (ML): capture, verify (BANT), distribute, nurture, convert or disqualify.

    Lists sort by `score` (`ordering=-score`); `board/` groups them by state; `export/`
    downloads the filtered list. A lead's activities (its follow-up record) are under
    `/activities/?subject_type=leads.lead&subject_id=<id>`."""

    queryset = Lead.objects.none()
    selector = lead_list
    serializer_class = LeadSerializer
    filterset_class = LeadFilter
    search_fields = ["title", "company_name", "customer__name", "contact_name"]
    ordering_fields = ["id", "score", "created_at", "expected_close_date", "estimated_amount"]
    http_method_names = ["get", "post", "put", "patch", "head", "options"]
    export_filename = "leads"

    def get_queryset(self):
        queryset = super().get_queryset()
        if self.action == "list":  # only the columns a row shows
            queryset = queryset.select_related(None).select_related("customer")
            queryset = queryset.only(*LeadListSerializer.columns)
        return queryset

    def get_serializer_class(self):
        if self.action == "create":
            return LeadCreateSerializer
        return LeadListSerializer if self.action == "list" else LeadSerializer

    def export_columns(self):
        return lead_export_columns()

    @extend_schema(request=LeadCreateSerializer, responses={201: LeadSerializer, **ERRORS})
    def create(self, request, *args, **kwargs):
        return super().create(request, *args, **kwargs)

    def create_record(self, data):
        allow = data.pop("allow_duplicate", False)
        return lead_create(by=self.request.user, data=data, allow_duplicate=allow)

    def update_record(self, instance, data, expected_version):
        return lead_update(
            lead=instance, by=self.request.user, data=data, expected_version=expected_version
        )

    def run_transition(self, obj, name, data):
        return lead_transition(
            lead=obj,
            name=name,
            by=self.request.user,
            reason=data["reason"],
            comment=data["comment"],
        )

    def _fresh(self, lead):
        found = self.get_queryset().filter(pk=lead.pk).first()
        return self.get_serializer(found or lead).data

    @extend_schema(
        request=LeadAssignSerializer,
        responses={200: LeadSerializer, **ERRORS},
        summary="Assign the lead to an owner (or back to the team pool)",
    )
    @action(detail=True, methods=["post"], filter_backends=[])
    def assign(self, request, pk=None):
        """A rep may take a lead or give theirs back; a manager assigns anyone in their
        subtree. The new owner is notified."""
        lead = self.get_object()
        data = LeadAssignSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        lead = lead_assign(lead=lead, owner=data.validated_data["owner"], by=request.user)
        return Response(self._fresh(lead))

    @extend_schema(
        request=LeadDistributeSerializer,
        responses={200: LeadSerializer, **ERRORS},
        summary="Distribute a verified lead (by hand or by the rules)",
    )
    @action(detail=True, methods=["post"], filter_backends=[])
    def distribute(self, request, pk=None):
        """Hand a verified lead to its owner: the one named, else the customer's account
        manager (客户报备), else the distribution rules. Managers only."""
        lead = self.get_object()
        data = LeadDistributeSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        lead = lead_distribute(
            lead=lead,
            by=request.user,
            owner=data.validated_data.get("owner"),
            comment=data.validated_data["comment"],
        )
        return Response(self._fresh(lead))

    @extend_schema(
        request=LeadMergeSerializer,
        responses={200: LeadSerializer, **ERRORS},
        summary="Merge a duplicate open lead into this one",
    )
    @action(detail=True, methods=["post"], filter_backends=[])
    def merge(self, request, pk=None):
        """Merge the open lead `source` into this open lead: its activities move here, blank
        fields are filled from it, and it ends in state "merged" pointing here; both
        timelines record it. A converted or disqualified lead is not merged (400)."""
        target = self.get_object()
        data = LeadMergeSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        source = lead_list(user=request.user).filter(pk=data.validated_data["source"]).first()
        if source is None:
            raise NotFound(_("No such lead."), fields={"source": [_("No such lead.")]})
        lead = lead_merge(target=target, source=source, by=request.user)
        return Response(self._fresh(lead))

    @extend_schema(
        responses=LeadBoardColumnSerializer(many=True),
        summary="Leads by state (the board)",
        parameters=[OpenApiParameter("per_column", OpenApiTypes.INT, description="Max 100.")],
    )
    @action(detail=False, methods=["get"], pagination_class=None)
    def board(self, request):
        """Every state's count and its best-scored leads, with the transitions the user may
        run on each; the list's filters apply."""
        per_column = query_params(request).int("per_column", 30, min_value=1, max_value=100)
        queryset = self.filter_queryset(self.get_queryset()).order_by()
        columns = lead_board(user=request.user, queryset=queryset, per_column=per_column)
        return Response(LeadBoardColumnSerializer(columns, many=True).data)


class WebToLeadIPThrottle(throttling.SimpleRateThrottle):
    """Per client address (`web_to_lead` rate)."""

    scope = "web_to_lead"

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class WebToLeadKeyThrottle(throttling.SimpleRateThrottle):
    """Per source key, whichever address it comes from (`web_to_lead_key` rate)."""

    scope = "web_to_lead_key"

    def get_cache_key(self, request, view):
        key = WebToLeadView.key_of(request)
        if not key:
            return None
        ident = hashlib.sha256(key.encode()).hexdigest()[:32]
        return self.cache_format % {"scope": self.scope, "ident": ident}


#: The header a capture source's key comes in (web-to-lead, inbound mail).
LEAD_SOURCE_KEY = OpenApiParameter(
    "X-Lead-Source-Key",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    required=True,
    description="The capture source's key.",
)


class WebToLeadView(APIView):
    """The company website's lead form posts here, without a user session.

    Authenticate with the source's key in the `X-Lead-Source-Key` header (or a `source_key`
    form field). Rate-limited per address and per key. The lead lands in the source's team
    pool with the source "web form"; the distribution rules then find it an owner.
    401: no or unknown key; 403: a revoked key; 400: field errors; 429: too many."""

    authentication_classes: list = []
    permission_classes = [permissions.AllowAny]
    throttle_classes = [WebToLeadIPThrottle, WebToLeadKeyThrottle]
    #: Set once the key is known and the request's Origin is on its source's list.
    cors_origin = ""

    @classmethod
    def source_of(cls, request):
        """(the capture source the request's key names, None), or (None, the 401/403 answer
        for a missing, unknown or revoked key): web-to-lead's and inbound mail's one check."""
        try:
            return capture_source_for_key(cls.key_of(request)), None
        except UnknownKey:
            return None, Response(
                error_body("not_authenticated", _("Unknown or missing lead source key.")),
                status=401,
                headers={"WWW-Authenticate": "LeadSourceKey"},
            )
        except RevokedKey:
            return None, Response(
                error_body("source_revoked", _("This lead source was revoked.")), status=403
            )

    @staticmethod
    def key_of(request) -> str:
        key = request.headers.get("X-Lead-Source-Key", "")
        if not key and hasattr(request, "data") and hasattr(request.data, "get"):
            try:
                key = request.data.get("source_key", "") or ""
            except Exception:  # noqa: BLE001 - an unparsable body has no key
                key = ""
        return str(key).strip()[:200]

    @extend_schema(
        request=WebToLeadSerializer,
        responses={
            201: WebToLeadReceiptSerializer,
            400: ErrorSerializer,
            401: ErrorSerializer,
            403: ErrorSerializer,
            429: ErrorSerializer,
        },
        parameters=[LEAD_SOURCE_KEY],
        auth=[],
        summary="Send a lead from the website (web-to-lead)",
    )
    def post(self, request):
        source, refusal = self.source_of(request)
        if refusal is not None:
            return refusal
        origin = request.headers.get("Origin", "")
        if origin_may_post(origin, source):
            self.cors_origin = origin
        data = WebToLeadSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = {k: v for k, v in data.validated_data.items() if v not in ("", None)}
        lead = lead_capture_web(source=source, data=values)
        return Response({"id": lead.pk, "status": "received"}, status=201)

    @extend_schema(exclude=True)
    def options(self, request, *args, **kwargs):
        """The browser's CORS preflight. It carries no key, so an origin any active source
        lists may go ahead; the post itself is then checked against its key's own list."""
        response = Response(status=204)
        origin = request.headers.get("Origin", "")
        if origin_may_post(origin):
            self.cors_origin = origin
            response["Access-Control-Allow-Methods"] = "POST, OPTIONS"
            response["Access-Control-Allow-Headers"] = "Content-Type, X-Lead-Source-Key"
            response["Access-Control-Max-Age"] = "600"
        return response

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        patch_vary_headers(response, ["Origin"])
        if self.cors_origin:
            response["Access-Control-Allow-Origin"] = self.cors_origin
        return response


class IsAdmin(permissions.BasePermission):
    def has_permission(self, request, view):
        return policy.may(request.user, "leads.administer")


class LeadCaptureSourceViewSet(
    mixins.CreateModelMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Websites and systems that may send leads (web-to-lead). Administrators only; the key
    is shown once, in the response that creates the source."""

    serializer_class = LeadCaptureSourceSerializer
    permission_classes = [permissions.IsAuthenticated, IsAdmin]
    filterset_fields = ["is_active", "org_unit"]
    ordering_fields = ["id", "name"]
    queryset = LeadCaptureSource.objects.none()

    def get_queryset(self):
        return capture_source_list(user=self.request.user)

    def create(self, request, *args, **kwargs):
        data = self.get_serializer(data=request.data)
        data.is_valid(raise_exception=True)
        source, key = capture_source_create(
            by=request.user,
            name=data.validated_data["name"],
            org_unit=data.validated_data["org_unit"],
            allowed_origins=data.validated_data.get("allowed_origins"),
        )
        return Response(
            LeadCaptureSourceSerializer(
                source, context={**self.get_serializer_context(), "new_key": key}
            ).data,
            status=201,
        )

    @extend_schema(
        request=LeadCaptureSourceUpdateSerializer,
        responses={200: LeadCaptureSourceSerializer, **ERRORS},
    )
    def partial_update(self, request, pk=None):
        """Rename a source or change the origins whose pages may post from the browser."""
        data = LeadCaptureSourceUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        source = capture_source_update(
            source=self.get_object(), by=request.user, data=dict(data.validated_data)
        )
        return Response(self.get_serializer(source).data)

    @extend_schema(request=None, responses={200: LeadCaptureSourceSerializer, **ERRORS})
    @action(detail=True, methods=["post"], filter_backends=[])
    def revoke(self, request, pk=None):
        """Stop accepting leads with this source's key."""
        source = capture_source_revoke(source=self.get_object(), by=request.user)
        return Response(self.get_serializer(source).data)


class DistributionRuleViewSet(
    ScopedViewSetMixin,
    TimelineMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Lead distribution rules (region, industry, product → a team, round-robin inside it).
    Sales managers manage those of their subtree; reps may read their unit's."""

    queryset = DistributionRule.objects.none()
    permission_classes = [permissions.IsAuthenticated, IsManagerOrReadOnly]
    serializer_class = DistributionRuleSerializer
    filterset_fields = ["org_unit", "team", "industry", "is_active"]
    search_fields = ["name", "regions", "product_keywords"]
    ordering_fields = ["id", "priority", "name"]
    http_method_names = ["get", "post", "patch", "head", "options"]

    selector = distribution_rule_list

    def create_record(self, data):
        assignees = data.pop("assignees", None)
        return distribution_rule_create(by=self.request.user, data=data, assignees=assignees)

    def update_record(self, instance, data, expected_version):
        assignees = data.pop("assignees", None)
        return distribution_rule_update(
            rule=instance,
            by=self.request.user,
            data=data,
            assignees=assignees,
            expected_version=expected_version,
        )


class LeadQualificationPolicyViewSet(
    mixins.CreateModelMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Which BANT elements verifying a lead requires, per org unit's subtree (nearest wins;
    without one all four). Administrators post a unit's policy (replacing one it has);
    audited with the values before and after."""

    queryset = LeadQualificationPolicy.objects.select_related("org_unit")
    serializer_class = LeadQualificationPolicySerializer
    filterset_fields = ["org_unit"]
    permission_classes = [*viewsets.GenericViewSet.permission_classes, IsAdminOrReadOnly]

    def perform_create(self, serializer):
        serializer.instance = lead_qualification_policy_set(
            by=self.request.user, **serializer.validated_data
        )

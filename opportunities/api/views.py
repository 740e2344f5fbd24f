"""API of MO: opportunities (stages, board moves, win/loss, forecast), decision chain,
competitors, catalogue and configuration. Quotes and bids are in `sales.py`."""

from __future__ import annotations

from django.db.models import Q
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from accounts.models import OrgUnit, User
from core import fsm, policy
from core.api.mixins import (
    ERRORS,
    ScopedViewSetMixin,
    TimelineMixin,
    TransitionsMixin,
    requested_version,
    timeline_data,
)
from core.api.serializers import AuditEventSerializer
from core.api.views import IsAdminOrReadOnly
from core.choices import TriangleRole
from core.errors import Conflict, ValidationFailed
from core.params import query_params
from opportunities.filters import (
    CompetitorFilter,
    DecisionChainFilter,
    OpportunityCompetitorFilter,
    OpportunityFilter,
    ProductFilter,
)
from opportunities.forecast import Period, forecast_by_period, weighted_pipeline
from opportunities.models import (
    Competitor,
    DecisionChainMember,
    Opportunity,
    OpportunityCompetitor,
    PricingRule,
    Product,
    StageNorm,
    StageProbability,
)
from opportunities.selectors import (
    board,
    decision_chain_list,
    opportunity_competitor_list,
    opportunity_list,
    opportunity_timeline,
    win_loss_by_competitor,
    win_loss_by_reason,
)
from opportunities.services import (
    competitor_create,
    competitor_update,
    decision_chain_add,
    decision_chain_remove,
    decision_chain_update,
    opportunity_close_reason_set,
    opportunity_competitor_add,
    opportunity_competitor_remove,
    opportunity_competitor_update,
    opportunity_create,
    opportunity_create_from_lead,
    opportunity_move,
    opportunity_team_set,
    opportunity_transition,
    opportunity_update,
    stage_norm_set,
    stage_probability_set,
)

from .serializers import (
    CloseReasonSerializer,
    CompetitorSerializer,
    ConvertLeadSerializer,
    DecisionChainMemberSerializer,
    DecisionChainMemberUpdateSerializer,
    ForecastRowSerializer,
    MoveResultSerializer,
    MoveSerializer,
    OpportunityBoardColumnSerializer,
    OpportunityCompetitorSerializer,
    OpportunityCompetitorUpdateSerializer,
    OpportunityCreateSerializer,
    OpportunityListSerializer,
    OpportunitySerializer,
    OpportunityTransitionSerializer,
    PricingRuleSerializer,
    ProductSerializer,
    StageNormSerializer,
    StageProbabilitySerializer,
    TeamSerializer,
    WinLossReportSerializer,
)

PERIOD_PARAMS = [
    OpenApiParameter(
        "period", OpenApiTypes.STR, description="A month (2026-07) or quarter (2026-Q3)."
    ),
    OpenApiParameter("owner", OpenApiTypes.INT, description="Only this AR's opportunities."),
    OpenApiParameter("org_unit", OpenApiTypes.INT, description="Only this org unit's subtree."),
]


def _owner_and_unit(request) -> tuple[User | None, OrgUnit | None]:
    params = query_params(request)
    owner_id, unit_id = params.id("owner"), params.id("org_unit")
    owner = User.objects.filter(pk=owner_id).first() if owner_id else None
    unit = OrgUnit.objects.filter(pk=unit_id).first() if unit_id else None
    if owner_id and owner is None:
        raise ValidationFailed(_("Invalid input."), fields={"owner": [_("No such user.")]})
    if unit_id and unit is None:
        raise ValidationFailed(_("Invalid input."), fields={"org_unit": [_("No such unit.")]})
    return owner, unit


@extend_schema_view(
    transitions=extend_schema(
        request=OpportunityTransitionSerializer,
        responses={200: OpportunitySerializer, **ERRORS},
        parameters=[
            OpenApiParameter(
                "name",
                OpenApiTypes.STR,
                OpenApiParameter.PATH,
                enum=sorted(fsm.transitions_of(Opportunity)),
                description="The transition to run.",
            )
        ],
        summary="Run an opportunity stage transition",
    )
)
class OpportunityViewSet(
    ScopedViewSetMixin,
    TransitionsMixin,
    TimelineMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Opportunities (MO): stages, gates (see gate-reviews), iron triangle, forecast, win/loss.

    Losing and abandoning (`transitions/lose`, `transitions/abandon`) need a `reason_code` and
    a `reason`; a lost deal may name the competitor it went to (`lost_to`)."""

    queryset = Opportunity.objects.none()
    selector = opportunity_list
    serializer_class = OpportunitySerializer
    filterset_class = OpportunityFilter
    search_fields = ["name", "number"]
    ordering_fields = ["id", "amount", "expected_close_date", "created_at", "probability_pct"]
    http_method_names = ["get", "post", "put", "patch", "head", "options"]

    def get_queryset(self):
        queryset = super().get_queryset()
        if self.action == "list":  # only the columns a row shows
            queryset = queryset.select_related(None).prefetch_related(None)
            queryset = queryset.select_related("customer").only(*OpportunityListSerializer.columns)
        return queryset

    def get_serializer_class(self):
        if self.action == "list":
            return OpportunityListSerializer
        return OpportunityCreateSerializer if self.action == "create" else OpportunitySerializer

    def create_record(self, data):
        sr, fr = data.pop("sr", None), data.pop("fr", None)
        return opportunity_create(by=self.request.user, data=data, sr=sr, fr=fr)

    def update_record(self, instance, data, expected_version):
        return opportunity_update(
            opportunity=instance, by=self.request.user, data=data, expected_version=expected_version
        )

    def _fresh(self, pk):
        return self.get_serializer(self.get_queryset().get(pk=pk)).data

    @action(
        detail=True, methods=["post"], url_path=r"transitions/(?P<name>[a-z_]+)", filter_backends=[]
    )
    def transitions(self, request, pk=None, name=None):
        obj = self.get_object()
        data = OpportunityTransitionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        expected = requested_version(request)
        if expected is not None and expected != obj.version:
            raise Conflict(
                _("This record was changed by someone else; reload it."), code="stale_version"
            )
        opportunity_transition(
            opportunity=obj,
            name=name,
            by=request.user,
            reason=values["reason"],
            comment=values["comment"],
            reason_code=values.get("reason_code"),
            lost_to=values.get("lost_to"),
        )
        return Response(self._fresh(obj.pk))

    @extend_schema(responses=AuditEventSerializer(many=True), summary="Audit timeline")
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def timeline(self, request, pk=None):
        """Every audited change to the opportunity, its source lead, quotes, bid, decision chain
        and competitors, newest first."""
        obj = self.get_object()
        return Response(timeline_data(obj, opportunity_timeline(obj)[:500]))

    @extend_schema(request=ConvertLeadSerializer, responses={201: OpportunitySerializer, **ERRORS})
    @action(detail=False, methods=["post"], url_path="from-lead")
    def from_lead(self, request):
        """Convert a verified, owned lead into an opportunity (升级转化)."""
        data = ConvertLeadSerializer(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        values = data.validated_data
        opportunity = opportunity_create_from_lead(
            lead=values["lead"],
            by=request.user,
            sr=values.get("sr"),
            fr=values.get("fr"),
            customer=values.get("customer"),
            allow_duplicate_customer=values["allow_duplicate_customer"],
            data={"name": values["name"]} if values["name"] else None,
        )
        return Response(self._fresh(opportunity.pk), status=201)

    @extend_schema(request=TeamSerializer, responses={200: OpportunitySerializer, **ERRORS})
    @action(detail=True, methods=["put"])
    def team(self, request, pk=None):
        """Set the iron triangle (AR, SR, FR and further members). AR or manager only; every
        change is on the timeline."""
        opportunity = self.get_object()
        data = TeamSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        seats = {
            role: values[role]
            for role in (TriangleRole.AR, TriangleRole.SR, TriangleRole.FR)
            if role in values
        }
        opportunity_team_set(
            opportunity=opportunity, by=request.user, seats=seats, members=values.get("members")
        )
        return Response(self._fresh(opportunity.pk))

    @extend_schema(request=MoveSerializer, responses={200: MoveResultSerializer, **ERRORS})
    @action(detail=True, methods=["post"], filter_backends=[])
    def move(self, request, pk=None):
        """Move the opportunity on the pipeline board. Into a gated stage (initiated, bid
        submitted, won) this opens the gate review instead (or returns the open one)."""
        opportunity = self.get_object()
        data = MoveSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        moved = opportunity_move(
            opportunity=opportunity, stage=data.validated_data["stage"], by=request.user
        )
        review = moved.review
        return Response(
            {
                "outcome": moved.outcome,
                "opportunity": self._fresh(opportunity.pk),
                "review": review.pk if review else None,
                "review_url": review.get_absolute_url() if review else "",
            }
        )

    @extend_schema(request=CloseReasonSerializer, responses={200: OpportunitySerializer, **ERRORS})
    @action(detail=True, methods=["post"], url_path="close-reason", filter_backends=[])
    def close_reason(self, request, pk=None):
        """Record or correct why a closed opportunity was won, lost or abandoned."""
        opportunity = self.get_object()
        data = CloseReasonSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        opportunity_close_reason_set(
            opportunity=opportunity, by=request.user, **data.validated_data
        )
        return Response(self._fresh(opportunity.pk))

    @extend_schema(
        parameters=[
            *PERIOD_PARAMS,
            OpenApiParameter("from", OpenApiTypes.DATE, description="With `to`: a date range."),
            OpenApiParameter("to", OpenApiTypes.DATE),
            OpenApiParameter(
                "granularity", OpenApiTypes.STR, enum=["month", "quarter"], description="Split by."
            ),
        ],
        responses={200: ForecastRowSerializer(many=True), **ERRORS},
        summary="Weighted pipeline per forecast category (and period)",
    )
    @action(detail=False, methods=["get"], pagination_class=None, filter_backends=[])
    def forecast(self, request):
        """Open opportunities you may see, by currency and forecast category (commit / best
        case / pipeline): count, amount and amount weighted by the stage probability. With
        `period`, closing in that month or quarter; with `from`/`to` and `granularity`, one row
        per month or quarter."""
        owner, unit = _owner_and_unit(request)
        params = query_params(request)
        start, end = params.date("from"), params.date("to")
        if start or end:
            if not (start and end) or start > end:
                raise ValidationFailed(
                    _("Give both dates, the first before the second."),
                    fields={"to": [_("Give both dates, the first before the second.")]},
                )
            granularity = params.choice("granularity", ["month", "quarter"], default="month")
            rows = forecast_by_period(
                user=request.user,
                start=start,
                end=end,
                granularity=granularity,
                owner=owner,
                org_unit=unit,
            )
        else:
            raw = params.text("period")
            period = Period.parse(raw) if raw else None
            rows = weighted_pipeline(user=request.user, period=period, owner=owner, org_unit=unit)
        return Response(ForecastRowSerializer(rows, many=True).data)

    @extend_schema(
        parameters=[PERIOD_PARAMS[0]],
        responses={200: WinLossReportSerializer, **ERRORS},
        summary="Win/loss reasons by reason code and by competitor",
    )
    @action(
        detail=False,
        methods=["get"],
        url_path="win-loss",
        pagination_class=None,
        filter_backends=[],
    )
    def win_loss(self, request):
        """Closed opportunities you may see (closed in `period`, if given): by outcome and reason
        code, and per competitor met — won, lost, lost to them, and why."""
        raw = query_params(request).text("period")
        period = Period.parse(raw) if raw else None
        return Response(
            WinLossReportSerializer(
                {
                    "by_reason": win_loss_by_reason(user=request.user, period=period),
                    "by_competitor": win_loss_by_competitor(user=request.user, period=period),
                }
            ).data
        )

    @extend_schema(
        parameters=[
            OpenApiParameter("owner", OpenApiTypes.INT),
            OpenApiParameter("org_unit", OpenApiTypes.INT),
        ],
        responses={200: OpportunityBoardColumnSerializer(many=True)},
        summary="The pipeline board: columns by stage",
    )
    @action(detail=False, methods=["get"], pagination_class=None, filter_backends=[])
    def board(self, request):
        """A column per open stage and one of the deals won in the last 90 days: count and
        amount per currency, and the first 50 cards, soonest expected close first."""
        owner, unit = _owner_and_unit(request)
        filters = {}
        if owner is not None:
            filters["owner"] = owner
        if unit is not None:
            filters["org_unit__path__startswith"] = unit.path
        columns = board(user=request.user, filters=filters)["columns"]
        return Response(OpportunityBoardColumnSerializer(columns, many=True).data)


class ChildViewSet(
    ScopedViewSetMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Base of the records that hang off one opportunity: scoped through it, written through
    services, no PUT (PATCH only)."""

    http_method_names = ["get", "post", "patch", "delete", "head", "options"]
    update_serializer_class = None

    def get_serializer_class(self):
        if self.action in ("update", "partial_update") and self.update_serializer_class:
            return self.update_serializer_class
        return self.serializer_class

    def perform_destroy(self, instance):
        self.remove_record(instance)


class DecisionChainViewSet(ChildViewSet):
    """The decision chain (决策链) of opportunities: who decides, influences, guards the
    technical bar, uses, pays and buys; their stance, our relationship, their guide level."""

    queryset = DecisionChainMember.objects.none()
    selector = decision_chain_list
    serializer_class = DecisionChainMemberSerializer
    update_serializer_class = DecisionChainMemberUpdateSerializer
    filterset_class = DecisionChainFilter
    ordering_fields = ["id", "relationship"]

    def create_record(self, data):
        opportunity = data.pop("opportunity")
        return decision_chain_add(
            opportunity=opportunity,
            by=self.request.user,
            data=data,
            new_contact=data.pop("new_contact", None),
        )

    def update_record(self, instance, data, expected_version):
        data.pop("new_contact", None)
        return decision_chain_update(member=instance, by=self.request.user, data=data)

    def remove_record(self, instance):
        decision_chain_remove(member=instance, by=self.request.user)


class OpportunityCompetitorViewSet(ChildViewSet):
    """Competitors met on each opportunity: strengths, weaknesses, threat, price position."""

    queryset = OpportunityCompetitor.objects.none()
    selector = opportunity_competitor_list
    serializer_class = OpportunityCompetitorSerializer
    update_serializer_class = OpportunityCompetitorUpdateSerializer
    filterset_class = OpportunityCompetitorFilter
    ordering_fields = ["id"]

    def create_record(self, data):
        opportunity = data.pop("opportunity")
        return opportunity_competitor_add(opportunity=opportunity, by=self.request.user, data=data)

    def update_record(self, instance, data, expected_version):
        return opportunity_competitor_update(entry=instance, by=self.request.user, data=data)

    def remove_record(self, instance):
        opportunity_competitor_remove(entry=instance, by=self.request.user)


class CompetitorViewSet(
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """The shared competitor catalogue (友商): any seller adds, managers edit."""

    queryset = Competitor.objects.all()
    serializer_class = CompetitorSerializer
    filterset_class = CompetitorFilter
    search_fields = ["name"]
    ordering_fields = ["id", "name"]
    http_method_names = ["get", "post", "patch", "head", "options"]

    def perform_create(self, serializer):
        serializer.instance = competitor_create(
            by=self.request.user, data=dict(serializer.validated_data)
        )

    def perform_update(self, serializer):
        serializer.instance = competitor_update(
            competitor=serializer.instance,
            by=self.request.user,
            data=dict(serializer.validated_data),
            expected_version=requested_version(self.request),
        )


class AdminCatalogueViewSet(
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Read by every signed-in user, changed by administrators (audited, version-checked)."""

    permission_classes = [*viewsets.GenericViewSet.permission_classes, IsAdminOrReadOnly]
    http_method_names = ["get", "post", "patch", "head", "options"]

    def perform_create(self, serializer):
        from core.records import record_create

        serializer.instance = record_create(
            self.queryset.model, by=self.request.user, data=dict(serializer.validated_data)
        )

    def perform_update(self, serializer):
        from core.records import record_update

        serializer.instance = record_update(
            serializer.instance,
            by=self.request.user,
            data=dict(serializer.validated_data),
            expected_version=requested_version(self.request),
        )


class ProductViewSet(AdminCatalogueViewSet):
    """The product catalogue: list price and cost per product, in one currency."""

    queryset = Product.objects.all()
    serializer_class = ProductSerializer
    filterset_class = ProductFilter
    search_fields = ["name", "code"]
    ordering_fields = ["id", "code", "name", "list_price"]


class PricingRuleViewSet(AdminCatalogueViewSet):
    """How far each role may discount per org unit, and who approves special prices."""

    queryset = PricingRule.objects.none()  # narrowed to the user in get_queryset
    serializer_class = PricingRuleSerializer
    filterset_fields = ["org_unit", "role", "is_active"]

    def get_queryset(self):
        user = self.request.user
        rules = PricingRule.objects.select_related("org_unit", "approver")
        if policy.is_admin(user):
            return rules
        if not user.org_unit_id:
            return rules.none()
        return rules.filter(
            Q(org_unit_id__in=user.org_unit.ancestor_ids())
            | Q(org_unit__path__startswith=user.org_unit.path)
        )


class StageProbabilityViewSet(
    mixins.CreateModelMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Win probability per stage (company default, or per org unit's subtree). Posting a row
    for a unit and stage that has one replaces it and re-weighs the open opportunities."""

    queryset = StageProbability.objects.select_related("org_unit")
    serializer_class = StageProbabilitySerializer
    filterset_fields = ["org_unit", "stage"]
    permission_classes = [*viewsets.GenericViewSet.permission_classes, IsAdminOrReadOnly]

    def perform_create(self, serializer):
        serializer.instance = stage_probability_set(
            by=self.request.user, **serializer.validated_data
        )


class StageNormViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Days a deal may stay in each open stage, and wait at the gate opened from it, before it
    is stuck (`GET /opportunities/?stuck=true`). Everyone reads them; administrators change
    them (audited)."""

    queryset = StageNorm.objects.all()
    serializer_class = StageNormSerializer
    permission_classes = [*viewsets.GenericViewSet.permission_classes, IsAdminOrReadOnly]
    http_method_names = ["get", "put", "patch", "head", "options"]

    def perform_update(self, serializer):
        norm = serializer.instance
        data = serializer.validated_data
        serializer.instance = stage_norm_set(
            by=self.request.user,
            stage=norm.stage,
            norm_days=data.get("norm_days", norm.norm_days),
            gate_norm_days=data.get("gate_norm_days", norm.gate_norm_days),
        )

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, permissions, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.choices import Tier
from core.api.exchange_rates import CONVERSION_PARAMS
from core.api.jobs import JobRunSerializer
from core.api.mixins import ERRORS, ScopedViewSetMixin, TimelineMixin
from core.api.views import IsManagerOrReadOnly
from core.errors import Forbidden, ValidationFailed
from core.jobs import job_request
from core.params import query_params
from core.rates import Conversion
from core.replica import ReplicaReads

from .. import selectors, services
from ..filters import (
    AccountPlanFilter,
    AccountProfileFilter,
    CommitmentFilter,
    PlanActionFilter,
    PurchaseDriverFilter,
    SalesTargetFilter,
    TierChangeFilter,
    TierCriteriaFilter,
    dashboard_filters,
    filters_echo,
    person_filter,
)
from ..models import (
    AccountPlan,
    AccountProfile,
    Commitment,
    PlanAction,
    PlanningSettings,
    PlanTarget,
    PurchaseDriver,
    RenewalLink,
    SalesTarget,
    TargetAdjustment,
    TierChange,
    TierCriteria,
)
from ..selectors import dashboards, plan_performance, planning, retention
from ..selectors.converted import funnel_converted
from ..selectors.periods import parse as parse_period
from . import dashboard_serializers as ds
from . import serializers as s

#: The on-demand job that recomputes the tiers (registered in keyaccounts.apps).
RECOMPUTE_JOB = "keyaccounts-recompute-tiers"

PERIOD_PARAMS = [
    OpenApiParameter("year", OpenApiTypes.INT, description="Calendar year (default: this year)."),
    OpenApiParameter("quarter", OpenApiTypes.INT, description="1–4, within `year`."),
    OpenApiParameter("month", OpenApiTypes.INT, description="1–12, within `year`."),
    OpenApiParameter("date_from", OpenApiTypes.DATE, description="Start of a custom period."),
    OpenApiParameter("date_to", OpenApiTypes.DATE, description="End of a custom period."),
]
DASHBOARD_PARAMS = [
    *PERIOD_PARAMS,
    OpenApiParameter("org_unit", OpenApiTypes.INT, description="Org unit (with its subtree)."),
    OpenApiParameter("product_line", OpenApiTypes.STR, description="Product line."),
    OpenApiParameter("currency", OpenApiTypes.STR, description="Currency (default CNY)."),
]
PERSON_PARAM = OpenApiParameter("person", OpenApiTypes.INT, description="A person's id.")


class PlanningSettingsViewSet(ScopedViewSetMixin, TimelineMixin, viewsets.ModelViewSet):
    """Planning settings per org unit: matrix thresholds, coverage required, renewal lead time
    (the nearest unit up the tree applies)."""

    queryset = PlanningSettings.objects.none()
    selector = selectors.settings_list
    permission_classes = [permissions.IsAuthenticated, IsManagerOrReadOnly]
    serializer_class = s.PlanningSettingsSerializer
    filterset_fields = ["org_unit"]
    ordering_fields = ["id"]
    http_method_names = ["get", "post", "put", "patch", "head", "options"]

    def create_record(self, data):
        unit = data.pop("org_unit")
        return services.planning_settings_save(by=self.request.user, org_unit=unit, data=data)

    def update_record(self, instance, data, expected_version):
        data.pop("org_unit", None)
        return services.planning_settings_save(
            by=self.request.user,
            org_unit=instance.org_unit,
            data=data,
            expected_version=expected_version,
        )


class TierCriteriaViewSet(ScopedViewSetMixin, TimelineMixin, viewsets.ModelViewSet):
    """Tiering criteria (分层标准) per org unit and, optionally, product line."""

    queryset = TierCriteria.objects.none()
    selector = selectors.criteria_list
    permission_classes = [permissions.IsAuthenticated, IsManagerOrReadOnly]
    serializer_class = s.TierCriteriaSerializer
    filterset_class = TierCriteriaFilter
    search_fields = ["name", "product_line"]
    ordering_fields = ["id", "name"]
    http_method_names = ["get", "post", "put", "patch", "head", "options"]

    def create_record(self, data):
        return services.tier_criteria_create(by=self.request.user, data=data)

    def update_record(self, instance, data, expected_version):
        return services.tier_criteria_update(
            criteria=instance, by=self.request.user, data=data, expected_version=expected_version
        )

    @extend_schema(request=None, responses={202: JobRunSerializer, **ERRORS})
    @action(detail=False, methods=["post"], filter_backends=[], pagination_class=None)
    def recompute(self, request):
        """Recompute every tier now, in the background (a manager or administrator; the
        nightly job does the same): 202 with the job run, whose result is how many changed.
        While a recompute is queued or running, that run is answered (ADR 15)."""
        if not services.may_recompute_tiers(request.user):
            raise Forbidden(_("Only a sales manager may recompute tiers."))
        run, _created = job_request(name=RECOMPUTE_JOB, by=request.user)
        return Response(JobRunSerializer(run).data, status=202)


class AccountProfileViewSet(
    ScopedViewSetMixin,
    TimelineMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Key-account profiles: relationship stage and level, strategic value, potential, matrix
    quadrant, tier (with override)."""

    queryset = AccountProfile.objects.none()
    selector = selectors.profile_list
    serializer_class = s.AccountProfileSerializer
    filterset_class = AccountProfileFilter
    search_fields = ["customer__name"]
    ordering_fields = ["id", "potential_amount", "relationship_level"]

    def get_queryset(self):
        return super().get_queryset().prefetch_related("drivers")

    def update_record(self, instance, data, expected_version):
        return services.profile_update(
            customer=instance.customer,
            by=self.request.user,
            data=data,
            expected_version=expected_version,
        )

    @extend_schema(
        request=s.TierOverrideSerializer, responses={200: s.AccountProfileSerializer, **ERRORS}
    )
    @action(detail=True, methods=["post"], url_path="tier-override", filter_backends=[])
    def tier_override(self, request, pk=None):
        """Put the customer in a tier by hand, with a reason (a manager over its unit)."""
        profile = self.get_object()
        data = s.TierOverrideSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.customer_tier_override(
            customer=profile.customer, by=request.user, **data.validated_data
        )
        return Response(self.get_serializer(self.get_queryset().get(pk=profile.pk)).data)

    @extend_schema(
        request=s.TierOverrideClearSerializer, responses={200: s.AccountProfileSerializer, **ERRORS}
    )
    @action(detail=True, methods=["post"], url_path="tier-override-clear", filter_backends=[])
    def tier_override_clear(self, request, pk=None):
        """Hand the tier back to the criteria (recomputed at once)."""
        profile = self.get_object()
        data = s.TierOverrideClearSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.customer_tier_override_clear(
            customer=profile.customer, by=request.user, **data.validated_data
        )
        return Response(self.get_serializer(self.get_queryset().get(pk=profile.pk)).data)

    @extend_schema(
        parameters=[
            OpenApiParameter("unit", OpenApiTypes.INT),
            OpenApiParameter("tier", OpenApiTypes.STR),
        ],
        responses={200: ds.QuadrantSerializer(many=True), **ERRORS},
    )
    @action(detail=False, methods=["get"], filter_backends=[], pagination_class=None)
    def matrix(self, request):
        """The customer matrix: count and potential per quadrant."""
        from ..selectors import matrix, units_for

        params = query_params(request)
        unit, unit_id = None, params.id("unit")
        if unit_id is not None:
            unit = units_for(request.user).filter(pk=unit_id).first()
            if unit is None:
                raise ValidationFailed(
                    _("Invalid filter."), fields={"unit": [_("Not an org unit you may view.")]}
                )
        data = matrix(user=request.user, unit=unit, tier=params.choice("tier", Tier.values))
        return Response(ds.QuadrantSerializer(data["quadrants"], many=True).data)


class PurchaseDriverViewSet(ScopedViewSetMixin, TimelineMixin, viewsets.ModelViewSet):
    """Purchase drivers and their volumes: the potential analysis of a customer."""

    queryset = PurchaseDriver.objects.none()
    selector = selectors.driver_list
    serializer_class = s.PurchaseDriverSerializer
    filterset_class = PurchaseDriverFilter
    search_fields = ["name", "product_line"]
    ordering_fields = ["id", "expected_amount"]

    def create_record(self, data):
        customer = data.pop("profile")["customer"]
        return services.purchase_driver_create(customer=customer, by=self.request.user, data=data)

    def update_record(self, instance, data, expected_version):
        data.pop("profile", None)
        return services.purchase_driver_update(
            driver=instance, by=self.request.user, data=data, expected_version=expected_version
        )

    def perform_destroy(self, instance):
        services.purchase_driver_delete(driver=instance, by=self.request.user)


class TierChangeViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """The history of tier changes: from, to, source (criteria or override), reason, by whom."""

    queryset = TierChange.objects.none()
    selector = selectors.tier_change_list
    serializer_class = s.TierChangeSerializer
    filterset_class = TierChangeFilter
    ordering_fields = ["id", "at"]


class AccountPlanViewSet(ScopedViewSetMixin, TimelineMixin, viewsets.ModelViewSet):
    """Account plans per key account and period, with targets per product, floors, the
    responsible team and actions."""

    queryset = AccountPlan.objects.none()
    selector = selectors.plan_list
    serializer_class = s.AccountPlanSerializer
    filterset_class = AccountPlanFilter
    search_fields = ["name", "customer__name"]
    ordering_fields = ["id", "starts_on"]
    http_method_names = ["get", "post", "put", "patch", "head", "options"]

    def get_queryset(self):
        return super().get_queryset().prefetch_related("targets", "actions")  # team: the selector

    def create_record(self, data):
        sr, fr = data.pop("sr", None), data.pop("fr", None)
        return services.account_plan_create(by=self.request.user, data=data, sr=sr, fr=fr)

    def update_record(self, instance, data, expected_version):
        seats = {k: data.pop(k) for k in ("sr", "fr") if k in data}
        if "owner" in data:
            seats["ar"] = data["owner"]
        return services.account_plan_update(
            plan=instance,
            by=self.request.user,
            data=data,
            seats=seats,
            expected_version=expected_version,
        )

    def perform_create(self, serializer):
        super().perform_create(serializer)
        serializer.instance = self.get_queryset().get(pk=serializer.instance.pk)

    @extend_schema(responses={200: s.PlanPerformanceSerializer, **ERRORS})
    @action(detail=True, methods=["get"], filter_backends=[], pagination_class=None)
    def performance(self, request, pk=None):
        """Actual against plan: orders per product line against target and floor, and the
        customer's orders, revenue and collections in the plan's period."""
        plan = self.get_object()
        return Response(
            s.PlanPerformanceSerializer(plan_performance(plan=plan, user=request.user)).data
        )


class PlanTargetViewSet(ScopedViewSetMixin, viewsets.ModelViewSet):
    """A plan's order target and floor (保底目标) per product line; posting a product line that
    exists changes it."""

    queryset = PlanTarget.objects.none()
    selector = selectors.plan_target_list
    serializer_class = s.PlanTargetSerializer
    filterset_fields = ["plan", "product_line"]
    ordering_fields = ["id"]
    http_method_names = ["get", "post", "put", "patch", "delete", "head", "options"]

    def create_record(self, data):
        return services.plan_target_set(by=self.request.user, **data)

    def update_record(self, instance, data, expected_version):
        values = {
            "product_line": instance.product_line,
            "target_amount": instance.target_amount,
            "floor_amount": instance.floor_amount,
            **data,
        }
        values.pop("plan", None)
        return services.plan_target_set(plan=instance.plan, by=self.request.user, **values)

    def perform_destroy(self, instance):
        services.plan_target_remove(target=instance, by=self.request.user)


class PlanActionViewSet(ScopedViewSetMixin, TimelineMixin, viewsets.ModelViewSet):
    """Actions of account plans with owner, due date and floor target."""

    queryset = PlanAction.objects.none()
    selector = selectors.action_list
    serializer_class = s.PlanActionSerializer
    filterset_class = PlanActionFilter
    search_fields = ["title"]
    ordering_fields = ["id", "due_on"]
    http_method_names = ["get", "post", "put", "patch", "head", "options"]

    def create_record(self, data):
        plan = data.pop("plan")
        return services.plan_action_create(plan=plan, by=self.request.user, data=data)

    def update_record(self, instance, data, expected_version):
        data.pop("plan", None)
        return services.plan_action_update(
            action=instance, by=self.request.user, data=data, expected_version=expected_version
        )

    def get_object(self):
        if self.action == "status":  # its owner may mark it even without change rights
            return viewsets.GenericViewSet.get_object(self)
        return super().get_object()

    @extend_schema(
        request=s.PlanActionStatusSerializer, responses={200: s.PlanActionSerializer, **ERRORS}
    )
    @action(detail=True, methods=["post"], filter_backends=[])
    def status(self, request, pk=None):
        """Mark the action done, cancelled or open again (its owner or the plan's team)."""
        plan_action = self.get_object()  # first: a record one may not see is a 404
        data = s.PlanActionStatusSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        action_ = services.plan_action_set_status(
            action=plan_action, by=request.user, status=data.validated_data["status"]
        )
        return Response(self.get_serializer(action_).data)


class SalesTargetViewSet(
    ScopedViewSetMixin,
    TimelineMixin,
    mixins.CreateModelMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Annual targets for orders (定), revenue (收) and collections (回) per org unit and
    person, decomposed into months; attainment from the real records."""

    queryset = SalesTarget.objects.none()
    selector = selectors.target_list
    permission_classes = [permissions.IsAuthenticated, IsManagerOrReadOnly]
    serializer_class = s.SalesTargetSerializer
    filterset_class = SalesTargetFilter
    ordering_fields = ["id", "year"]

    @extend_schema(
        request=s.SalesTargetCreateSerializer, responses={201: s.SalesTargetSerializer, **ERRORS}
    )
    def create(self, request):
        data = s.SalesTargetCreateSerializer(
            data=request.data, context=self.get_serializer_context()
        )
        data.is_valid(raise_exception=True)
        target = services.sales_target_create(by=request.user, **data.validated_data)
        return Response(self.get_serializer(self.get_queryset().get(pk=target.pk)).data, status=201)

    @extend_schema(
        request=s.TargetAdjustSerializer, responses={200: s.TargetAdjustmentSerializer, **ERRORS}
    )
    @action(detail=True, methods=["post"], filter_backends=[])
    def adjust(self, request, pk=None):
        """Change some months of the target, with a reason (a manager over its unit)."""
        target = viewsets.GenericViewSet.get_object(self)
        data = s.TargetAdjustSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        adjustment = services.sales_target_adjust(
            target=target, by=request.user, **data.validated_data
        )
        return Response(s.TargetAdjustmentSerializer(adjustment).data)

    @extend_schema(responses={200: s.TargetAdjustmentSerializer(many=True)})
    @action(detail=True, methods=["get"], filter_backends=[], pagination_class=None)
    def adjustments(self, request, pk=None):
        """The target's adjustments, newest first, each with its reason."""
        target = self.get_object()
        rows = TargetAdjustment.objects.filter(target=target).select_related("by")
        return Response(s.TargetAdjustmentSerializer(rows, many=True).data)

    @extend_schema(responses={200: s.AttainmentSerializer})
    @action(detail=True, methods=["get"], filter_backends=[], pagination_class=None)
    def attainment(self, request, pk=None):
        """Target and actual per month, quarter and the year."""
        return Response(
            s.AttainmentSerializer(
                planning.target_months(self.get_object(), user=request.user)
            ).data
        )

    @extend_schema(
        parameters=[
            *PERIOD_PARAMS,
            OpenApiParameter("unit", OpenApiTypes.INT),
            OpenApiParameter("short", OpenApiTypes.BOOL),
        ],
        responses={200: s.CoverageSerializer(many=True), **ERRORS},
    )
    @action(detail=False, methods=["get"], filter_backends=[], pagination_class=None)
    def coverage(self, request):
        """Funnel coverage (risk margin) of the orders targets of the period's year: weighted
        pipeline against the remaining target and the required ratio; `short` marks those
        below it."""
        period = parse_period(request.query_params)
        params = query_params(request)
        targets = SalesTargetFilter(
            {"unit": params.id("unit") or "", "metric": "orders"},
            queryset=self.get_queryset().filter(year=period.start.year),
        ).qs
        rows = planning.coverage(list(targets[:500]), period, user=request.user)
        if params.bool("short"):
            rows = [r for r in rows if r["short"]]
        return Response(s.CoverageSerializer(rows, many=True).data)


class CommitmentViewSet(
    ScopedViewSetMixin,
    TimelineMixin,
    mixins.CreateModelMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Commitments (承诺) per month or quarter, each with its actual and accuracy; posting one
    for a period already committed changes it."""

    queryset = Commitment.objects.none()
    selector = selectors.commitment_list
    serializer_class = s.CommitmentSerializer
    filterset_class = CommitmentFilter
    ordering_fields = ["id", "year", "period"]

    def get_serializer_context(self):
        context = super().get_serializer_context()
        context["figures"] = getattr(self, "_figures", None)
        return context

    def paginate_queryset(self, queryset):
        page = super().paginate_queryset(queryset)
        if page is not None:
            self._figures = {
                r["commitment"].pk: r
                for r in planning.commitment_rows(list(page), user=self.request.user)
            }
        return page

    def retrieve(self, request, *args, **kwargs):
        obj = self.get_object()
        self._figures = {
            r["commitment"].pk: r for r in planning.commitment_rows([obj], user=request.user)
        }
        return Response(self.get_serializer(obj).data)

    def create_record(self, data):
        opportunities = data.pop("opportunities", None)
        return services.commitment_save(by=self.request.user, opportunities=opportunities, **data)

    @extend_schema(
        parameters=[
            OpenApiParameter("user", OpenApiTypes.INT),
            OpenApiParameter("year", OpenApiTypes.INT),
        ],
        responses={200: s.AccuracySerializer(many=True)},
    )
    @action(detail=False, methods=["get"], pagination_class=None)
    def accuracy(self, request):
        """Forecast accuracy per person over the periods that have ended."""
        commitments = list(self.filter_queryset(self.get_queryset())[:2000])
        rows = planning.commitment_rows(commitments, user=request.user)
        return Response(s.AccuracySerializer(planning.accuracy_over_time(rows), many=True).data)


class RenewalLinkViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """Renewal opportunities opened before contracts end (one per contract)."""

    queryset = RenewalLink.objects.none()
    selector = selectors.renewal_list
    serializer_class = s.RenewalLinkSerializer
    filterset_fields = ["contract", "opportunity"]
    ordering_fields = ["id", "created_at"]


class FunnelView(ReplicaReads, APIView):
    @extend_schema(
        parameters=[*DASHBOARD_PARAMS, *CONVERSION_PARAMS],
        responses={200: ds.FunnelSerializer, **ERRORS},
    )
    def get(self, request):
        """The manager's funnel: per stage, conversion, ageing, win rate, cycle time, gates;
        `converted`: the cohort in every currency, converted (`convert_to`, `rates_at`)."""
        f = dashboard_filters(request.query_params, request.user)
        conversion = Conversion.from_params(request.query_params)
        data = {
            "filters": filters_echo(f),
            **dashboards.funnel(request.user, f),
            "converted": funnel_converted(request.user, f, conversion),
        }
        return Response(ds.FunnelSerializer(data).data)


class RepDashboardView(ReplicaReads, APIView):
    @extend_schema(
        parameters=[*DASHBOARD_PARAMS, PERSON_PARAM], responses={200: ds.RepSerializer, **ERRORS}
    )
    def get(self, request):
        """A rep's pipeline (weighted), expected closes by month and due tasks (default: me)."""
        f = dashboard_filters(request.query_params, request.user)
        person = person_filter(request.query_params, request.user, default_self=not f.unit)
        data = {
            "filters": filters_echo(f),
            "person": person.pk if person else None,
            **dashboards.rep(request.user, f, person),
        }
        return Response(ds.RepSerializer(data).data)


class PresalesDashboardView(ReplicaReads, APIView):
    @extend_schema(
        parameters=[*DASHBOARD_PARAMS, PERSON_PARAM],
        responses={200: ds.PresalesSerializer, **ERRORS},
    )
    def get(self, request):
        """An SR's pre-sales contribution: deals where they hold the SR seat, assessments."""
        f = dashboard_filters(request.query_params, request.user)
        person = person_filter(request.query_params, request.user, default_self=not f.unit)
        data = {
            "filters": filters_echo(f),
            "person": person.pk if person else None,
            **dashboards.presales(request.user, f, person),
        }
        return Response(ds.PresalesSerializer(data).data)


class CollectionsDashboardView(ReplicaReads, APIView):
    @extend_schema(parameters=DASHBOARD_PARAMS, responses={200: ds.CollectionsSerializer, **ERRORS})
    def get(self, request):
        """Finance's collections: receipts per month vs target, due, overdue ageing."""
        f = dashboard_filters(request.query_params, request.user)
        data = {"filters": filters_echo(f), **dashboards.collections(request.user, f)}
        return Response(ds.CollectionsSerializer(data).data)


class RetentionView(ReplicaReads, APIView):
    @extend_schema(
        parameters=[
            *DASHBOARD_PARAMS,
            OpenApiParameter("granularity", OpenApiTypes.STR, enum=["year", "quarter"]),
            OpenApiParameter("customer", OpenApiTypes.INT),
        ],
        responses={200: ds.RetentionSerializer, **ERRORS},
    )
    def get(self, request):
        """Recurring, new, churned and cumulative revenue per customer and period."""
        from accounts.selectors import customer_list

        f = dashboard_filters(request.query_params, request.user)
        params = query_params(request)
        granularity = params.choice("granularity", ["year", "quarter"], default="year")
        customer, customer_id = None, params.id("customer")
        if customer_id is not None:
            customer = customer_list(user=request.user).filter(pk=customer_id).first()
            if customer is None:
                raise ValidationFailed(
                    _("Invalid filter."), fields={"customer": [_("Unknown customer.")]}
                )
        data = retention.revenue_history(
            request.user, f, granularity=granularity, customer=customer
        )
        return Response(ds.RetentionSerializer({"filters": filters_echo(f), **data}).data)

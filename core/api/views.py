"""API of the core: notifications, gate reviews (open, assess, decide) and authority rules."""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, permissions, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from core import filters, gates, policy
from core.errors import NotFound
from core.models import AuthorityRule, GateReview, Notification
from core.records import record_create, record_update
from core.selectors import gate_review_list

from .mixins import ERRORS, ScopedViewSetMixin, TimelineMixin, requested_version
from .serializers import (
    AuthorityRuleSerializer,
    GateAssessmentSerializer,
    GateAssessSerializer,
    GateDecideSerializer,
    GateOpenSerializer,
    GateReviewSerializer,
    NotificationSerializer,
)


class NotificationViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """The current user's notifications, newest first."""

    portal_open = True  # one's own: partner users' too (ADR 21)
    queryset = Notification.objects.none()  # narrowed to the user in get_queryset
    serializer_class = NotificationSerializer
    filterset_fields = {"read_at": ["isnull"], "kind": ["exact"]}
    ordering_fields = ["id"]

    def get_queryset(self):
        return Notification.objects.filter(recipient=self.request.user)

    @extend_schema(request=None, responses=NotificationSerializer)
    @action(detail=True, methods=["post"])
    def read(self, request, pk=None):
        """Mark one notification read."""
        notification = self.get_object()
        if notification.read_at is None:
            notification.read_at = timezone.now()
            notification.save(update_fields=["read_at"])
        return Response(NotificationSerializer(notification).data)

    @extend_schema(request=None, responses={200: {"type": "object"}})
    @action(detail=False, methods=["post"], url_path="read-all")
    def read_all(self, request):
        """Mark all of the user's notifications read."""
        count = self.get_queryset().filter(read_at__isnull=True).update(read_at=timezone.now())
        return Response({"marked": count})

    @extend_schema(responses={200: {"type": "object"}})
    @action(detail=False, methods=["get"], url_path="unread-count")
    def unread_count(self, request):
        return Response({"unread": self.get_queryset().filter(read_at__isnull=True).count()})


class GateReviewFilter(filters.FilterSet):
    subject_type = filters.CharFilter(field_name="subject_type__model")
    waiting_for_me = filters.BooleanFilter(
        method="filter_waiting", label=gettext_lazy("Waiting for me")
    )
    to_decide = filters.BooleanFilter(
        method="filter_to_decide", label=gettext_lazy("Gate reviews to decide")
    )
    to_assess = filters.BooleanFilter(
        method="filter_to_assess", label=gettext_lazy("Gate reviews to assess")
    )

    class Meta:
        model = GateReview
        fields = ["kind", "state", "escalated", "subject_id"]

    def filter_waiting(self, queryset, name, value):
        if not value:
            return queryset
        return queryset.filter(pk__in=gates.reviews_waiting_for(self.request.user).values("pk"))

    def filter_to_decide(self, queryset, name, value):
        """Open reviews the user has the authority to decide (escalated ones included)."""
        if not value:
            return queryset
        return queryset.filter(pk__in=gates.reviews_to_decide(self.request.user).values("pk"))

    def filter_to_assess(self, queryset, name, value):
        """Open reviews where the user holds a seat and has not assessed yet."""
        if not value:
            return queryset
        return queryset.filter(pk__in=gates.reviews_to_assess(self.request.user).values("pk"))


class GateReviewViewSet(
    ScopedViewSetMixin,
    TimelineMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Review gates: ATI, ATB, ATC on opportunities; change and close on contracts."""

    queryset = GateReview.objects.none()
    selector = gate_review_list
    serializer_class = GateReviewSerializer
    filterset_class = GateReviewFilter
    ordering_fields = ["id", "created_at"]

    @extend_schema(request=GateOpenSerializer, responses={201: GateReviewSerializer, **ERRORS})
    def create(self, request):
        """Open a gate review on an opportunity or contract."""
        data = GateOpenSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        subject_type = data.validated_data["subject_type"]
        try:
            model = ContentType.objects.get(
                model=subject_type, app_label__in=["opportunities", "contracts"]
            )
        except ContentType.DoesNotExist:
            raise NotFound(_("Unknown subject type.")) from None
        subject = (
            policy.restrict(model.model_class().objects.all(), request.user)
            .filter(pk=data.validated_data["subject_id"])
            .first()
        )
        if subject is None:
            raise NotFound(_("No such record."))
        review = gates.gate_open(subject=subject, kind=data.validated_data["kind"], by=request.user)
        return Response(self.get_serializer(review).data, status=201)

    @extend_schema(
        request=GateAssessSerializer, responses={200: GateAssessmentSerializer, **ERRORS}
    )
    @action(detail=True, methods=["post"])
    def assessments(self, request, pk=None):
        """Submit or revise the assessment of your seat (AR, SR or FR)."""
        review = self._visible_review(pk)
        data = GateAssessSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        assessment = gates.gate_assess(review=review, by=request.user, **data.validated_data)
        return Response(GateAssessmentSerializer(assessment).data)

    @extend_schema(request=GateDecideSerializer, responses={200: GateReviewSerializer, **ERRORS})
    @action(detail=True, methods=["post"])
    def decision(self, request, pk=None):
        """Decide go, stop or hold (needs the authority the review names)."""
        review = self._visible_review(pk)
        data = GateDecideSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        review = gates.gate_decide(review=review, by=request.user, **data.validated_data)
        return Response(self.get_serializer(self.get_queryset().get(pk=review.pk)).data)

    def _visible_review(self, pk) -> GateReview:
        review = self.get_queryset().filter(pk=pk).first()
        if review is None:
            raise NotFound(_("No such review."))
        return review


class IsAdminOrReadOnly(permissions.BasePermission):
    def has_permission(self, request, view):
        user = request.user
        return request.method in permissions.SAFE_METHODS or policy.may(user, "settings.change")


class IsManagerOrReadOnly(permissions.BasePermission):
    """Settings a sales manager keeps for their subtree (rules, criteria, targets): whoever may
    not make them at all is told so (403) before what they sent is looked at. On a record the
    record decides first (404 unless seen), then its service."""

    def has_permission(self, request, view):
        if request.method in permissions.SAFE_METHODS or getattr(view, "detail", False):
            return True
        user = request.user
        return policy.may(user, "settings.change_unit")


class AuthorityRuleViewSet(viewsets.ModelViewSet):
    """Authority rules per org unit: when a gate escalates to the representative office.
    Administrators change them; everyone may read them."""

    queryset = AuthorityRule.objects.none()  # narrowed to the user in get_queryset
    serializer_class = AuthorityRuleSerializer
    permission_classes = [permissions.IsAuthenticated, IsAdminOrReadOnly]
    filterset_fields = ["org_unit", "gate_kind", "is_active"]
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        user = self.request.user
        qs = AuthorityRule.objects.select_related("org_unit")
        if policy.is_admin(user) or not user.org_unit_id:
            return qs if policy.is_admin(user) else qs.none()
        return qs.filter(
            Q(org_unit_id__in=user.org_unit.ancestor_ids())
            | Q(org_unit__path__startswith=user.org_unit.path)
        )

    def perform_create(self, serializer):
        serializer.instance = record_create(
            AuthorityRule, by=self.request.user, data=dict(serializer.validated_data)
        )

    def perform_update(self, serializer):
        serializer.instance = record_update(
            serializer.instance,
            by=self.request.user,
            data=dict(serializer.validated_data),
            expected_version=requested_version(self.request),
        )

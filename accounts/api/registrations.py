"""The customer registrations API (客户报备): register, renew, release, rule."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from accounts.choices import RegistrationAward
from accounts.filters import CustomerRegistrationFilter
from accounts.models import Customer, CustomerRegistration, User
from accounts.selectors import registration_list
from accounts.services import (
    registration_create,
    registration_release,
    registration_renew,
    registration_rule,
)
from core import policy
from core.api.mixins import ERRORS, ScopedViewSetMixin, TimelineMixin
from core.api.serializers import RecordSerializer, ScopedPrimaryKeyRelatedField, WriteScopeMixin


class CustomerRegistrationSerializer(RecordSerializer):
    customer_name = serializers.CharField(source="customer.name", read_only=True)
    owner_name = serializers.CharField(source="owner.__str__", read_only=True)
    may_rule = serializers.SerializerMethodField()

    class Meta:
        model = CustomerRegistration
        fields = [
            "id",
            "customer",
            "customer_name",
            "project",
            "owner",
            "owner_name",
            "registered_by",
            "org_unit",
            "state",
            "protected_until",
            "renewed_at",
            "last_activity_at",
            "ended_at",
            "competing",
            "ruled_by",
            "ruled_at",
            "ruling_comment",
            "created_at",
            "version",
            "may_rule",
            "available_transitions",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.BooleanField())
    def get_may_rule(self, obj) -> bool:
        request = self.context.get("request")
        return bool(
            request
            and obj.state == "pending_ruling"
            and policy.may(request.user, "registrations.rule", obj)
            and policy.can(request.user, obj, "change")
        )


class CustomerRegistrationCreateSerializer(WriteScopeMixin, serializers.Serializer):
    scope_model = CustomerRegistration

    customer = ScopedPrimaryKeyRelatedField(queryset=Customer.objects.all())
    project = serializers.CharField(required=False, allow_blank=True, max_length=200, default="")
    owner = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.filter(is_active=True),
        required=False,
        help_text="Whom it is registered for (default: you).",
    )
    contest = serializers.BooleanField(
        default=False,
        help_text="When a colleague holds the protection, ask a sales manager to rule instead "
        "of being refused (400 `registration_conflict`).",
    )


class RegistrationRuleSerializer(serializers.Serializer):
    award = serializers.ChoiceField(choices=RegistrationAward.choices)
    comment = serializers.CharField(max_length=4000)


class CustomerRegistrationViewSet(
    ScopedViewSetMixin,
    TimelineMixin,
    mixins.CreateModelMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Customer registrations (客户报备): a customer, or one project at it, protected for its
    holder until `protected_until`. Registering what a colleague holds is a 400
    `registration_conflict` naming them and the date, or with `contest` a registration waiting
    for a sales manager's ruling (`rule/`). `renew/` needs an activity on the customer since
    the protection began or was renewed; `release/` gives it back."""

    queryset = CustomerRegistration.objects.none()
    selector = registration_list
    serializer_class = CustomerRegistrationSerializer
    filterset_class = CustomerRegistrationFilter
    search_fields = ["customer__name", "project"]
    ordering_fields = ["id", "protected_until"]

    def _respond(self, registration, status=200):
        return Response(
            self.get_serializer(self.get_queryset().get(pk=registration.pk)).data, status
        )

    def _registration(self) -> CustomerRegistration:
        """One the user may see; the services decide (403/409) whether they may act on it."""
        return get_object_or_404(self.get_queryset(), pk=self.kwargs["pk"])

    @extend_schema(
        request=CustomerRegistrationCreateSerializer,
        responses={201: CustomerRegistrationSerializer, **ERRORS},
    )
    def create(self, request, *args, **kwargs):
        data = CustomerRegistrationCreateSerializer(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        created = registration_create(by=request.user, **data.validated_data)
        return self._respond(created, 201)

    @extend_schema(request=None, responses={200: CustomerRegistrationSerializer, **ERRORS})
    @action(detail=True, methods=["post"], filter_backends=[])
    def renew(self, request, pk=None):
        """The holder renews the protection (after an activity on the customer)."""
        return self._respond(registration_renew(registration=self._registration(), by=request.user))

    @extend_schema(request=None, responses={200: CustomerRegistrationSerializer, **ERRORS})
    @action(detail=True, methods=["post"], filter_backends=[])
    def release(self, request, pk=None):
        """The holder, or their manager, gives the protection back."""
        return self._respond(
            registration_release(registration=self._registration(), by=request.user)
        )

    @extend_schema(
        request=RegistrationRuleSerializer,
        responses={200: CustomerRegistrationSerializer, **ERRORS},
    )
    @action(detail=True, methods=["post"], filter_backends=[])
    def rule(self, request, pk=None):
        """A sales manager rules a contested registration: `award` to the challenger (this
        registration) or to the holder, with a comment."""
        registration = self._registration()
        data = RegistrationRuleSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        ruled = registration_rule(registration=registration, by=request.user, **data.validated_data)
        return self._respond(ruled)

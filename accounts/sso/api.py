"""`/api/v1/sso-mapping-rules/` (ADR 25): the sign-in mapping rules, administrators only."""

from __future__ import annotations

from rest_framework import permissions, serializers, viewsets

from core import policy
from core.api.mixins import requested_version
from core.api.serializers import ModelSerializer

from ..models import OrgUnit, RoleDefinition, SsoMappingRule
from .services import RULE_FIELDS, sso_rule_create, sso_rule_delete, sso_rule_update


class SsoMappingRuleSerializer(ModelSerializer):
    org_unit = serializers.PrimaryKeyRelatedField(
        queryset=OrgUnit.objects.all(), required=False, allow_null=True
    )
    grant_role = serializers.PrimaryKeyRelatedField(
        queryset=RoleDefinition.objects.filter(builtin=False), required=False, allow_null=True
    )

    class Meta:
        model = SsoMappingRule
        fields = ["id", *RULE_FIELDS, "version", "created_at", "updated_at"]
        read_only_fields = ["version", "created_at", "updated_at"]


class IsSsoAdmin(permissions.BasePermission):
    def has_permission(self, request, view):
        return policy.may(request.user, "sso.administer")


class SsoMappingRuleViewSet(viewsets.ModelViewSet):
    """Rules mapping a signed-in person's claims (groups, department, e-mail...) to an org
    unit, a built-in role and/or a configured role, read by priority, lowest first. A rule
    that maps nothing, or gives a built-in role as a configured one, is a 400; every change
    is audited. Administrators only."""

    queryset = SsoMappingRule.objects.select_related("org_unit", "grant_role")
    serializer_class = SsoMappingRuleSerializer
    permission_classes = [permissions.IsAuthenticated, IsSsoAdmin]
    filterset_fields = ["claim", "is_active"]
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def perform_create(self, serializer):
        serializer.instance = sso_rule_create(
            by=self.request.user, data=dict(serializer.validated_data)
        )

    def perform_update(self, serializer):
        serializer.instance = sso_rule_update(
            by=self.request.user,
            rule=serializer.instance,
            data=dict(serializer.validated_data),
            expected_version=requested_version(self.request),
        )

    def perform_destroy(self, instance):
        sso_rule_delete(by=self.request.user, rule=instance)

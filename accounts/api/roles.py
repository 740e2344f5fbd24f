"""Roles as permission sets (issue 20.1): `/api/v1/roles/` and `/api/v1/role-assignments/`."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, permissions, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from accounts.models import OrgUnit, RoleAssignment, RoleDefinition, User
from accounts.selectors import role_assignment_list
from accounts.services import role_assign, role_create, role_delete, role_unassign, role_update
from core import permissions as catalogue
from core import policy
from core.api.mixins import requested_version
from core.api.serializers import ModelSerializer
from core.choices import RoleScope


class RoleDefinitionSerializer(ModelSerializer):
    name = serializers.CharField(read_only=True, help_text="The name in the reader's language.")
    permissions = serializers.ListField(
        child=serializers.CharField(max_length=100),
        max_length=500,
        required=False,
        help_text="Permission codes from the catalogue (`GET /api/v1/roles/catalogue/`).",
    )

    class Meta:
        model = RoleDefinition
        fields = [
            "id",
            "code",
            "name",
            "name_en",
            "name_zh",
            "description",
            "builtin",
            "permissions",
            "version",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["builtin", "version", "created_at", "updated_at"]
        # The service answers a taken code (a 400 naming the field, also after a race).
        extra_kwargs = {"code": {"validators": []}}


class PermissionSerializer(serializers.Serializer):
    code = serializers.CharField()
    label = serializers.CharField()
    group = serializers.CharField()


class IsRoleAdminOrReadOnly(permissions.BasePermission):
    """Everyone signed in reads roles (their names, what they grant); administrators write."""

    def has_permission(self, request, view):
        return request.method in permissions.SAFE_METHODS or policy.may(
            request.user, "roles.administer"
        )


class RoleDefinitionViewSet(viewsets.ModelViewSet):
    """Roles as named sets of permissions (issue 20.1). The six built-in roles are listed
    (`builtin: true`) as read-only descriptions of what the code grants; administrators
    define, change (If-Match: version) and delete the others, audited before and after. A
    permission not in the catalogue is a 400 `unknown_permission` and nothing is saved."""

    queryset = RoleDefinition.objects.all()
    serializer_class = RoleDefinitionSerializer
    permission_classes = [permissions.IsAuthenticated, IsRoleAdminOrReadOnly]
    filterset_fields = ["builtin", "code"]
    search_fields = ["code", "name_en", "name_zh"]
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def perform_create(self, serializer):
        serializer.instance = role_create(
            by=self.request.user, data=dict(serializer.validated_data)
        )

    def perform_update(self, serializer):
        serializer.instance = role_update(
            by=self.request.user,
            role=serializer.instance,
            data=dict(serializer.validated_data),
            expected_version=requested_version(self.request),
        )

    def perform_destroy(self, instance):
        role_delete(by=self.request.user, role=instance)

    @extend_schema(responses=PermissionSerializer(many=True))
    @action(detail=False, methods=["get"], pagination_class=None)
    def catalogue(self, request):
        """The permission catalogue a role is made of: per area view / create / change /
        export / see amounts, then the transitions and approvals a role may hold."""
        rows = [p for _label, group in catalogue.grouped() for p in group]
        return Response(PermissionSerializer(rows, many=True).data)


class RoleAssignmentSerializer(ModelSerializer):
    user = serializers.PrimaryKeyRelatedField(queryset=User.objects.filter(is_active=True))
    role = serializers.PrimaryKeyRelatedField(queryset=RoleDefinition.objects.all())
    org_unit = serializers.PrimaryKeyRelatedField(queryset=OrgUnit.objects.all())
    scope = serializers.ChoiceField(choices=RoleScope.choices)
    role_name = serializers.CharField(source="role.name", read_only=True)

    class Meta:
        model = RoleAssignment
        fields = [
            "id",
            "user",
            "role",
            "role_name",
            "org_unit",
            "scope",
            "created_at",
            "created_by",
        ]
        read_only_fields = ["created_at", "created_by"]
        # The service answers a twin (409 `duplicate_role_assignment`, also after a race).
        validators = []


class RoleAssignmentViewSet(
    mixins.CreateModelMixin,
    mixins.DestroyModelMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Who holds which configured role, in which org unit, how far (own, team, subtree,
    company). Administrators give any configured role anywhere; sales managers give them to
    the people of their subtree, in its units, never company-wide. Everyone sees their own;
    managers their subtree's. Giving and taking back are audited on the person."""

    serializer_class = RoleAssignmentSerializer
    permission_classes = [permissions.IsAuthenticated]
    filterset_fields = ["user", "role", "org_unit", "scope"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # the schema generator: no user
            return RoleAssignment.objects.none()
        return role_assignment_list(user=self.request.user)

    def perform_create(self, serializer):
        serializer.instance = role_assign(by=self.request.user, **serializer.validated_data)

    def perform_destroy(self, instance):
        role_unassign(by=self.request.user, assignment=instance)

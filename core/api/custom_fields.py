"""API of custom-field definitions: /api/v1/custom-fields/ (administrators write, everyone
signed in reads). A record's values are its `custom` object, typed by these definitions."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import permissions, serializers, viewsets

from core.api.serializers import ModelSerializer
from core.custom_fields.models import CustomField
from core.custom_fields.selectors import custom_field_list
from core.custom_fields.services import custom_field_create, custom_field_update

from .mixins import ERRORS, requested_version
from .views import IsAdminOrReadOnly


class CustomFieldChoiceSerializer(serializers.Serializer):
    value = serializers.CharField(max_length=100)
    label_en = serializers.CharField(max_length=100)
    label_zh = serializers.CharField(max_length=100)


class CustomFieldSerializer(ModelSerializer):
    label = serializers.CharField(read_only=True, help_text="The label in the reader's language.")
    choices = CustomFieldChoiceSerializer(many=True, required=False, max_length=200)
    required_in_states = serializers.ListField(
        child=serializers.CharField(max_length=40),
        required=False,
        max_length=50,
        help_text="States of the record's state machine in which a value is required; "
        '["*"]: always; empty: optional.',
    )

    class Meta:
        model = CustomField
        fields = [
            "id",
            "target",
            "key",
            "label",
            "label_en",
            "label_zh",
            "type",
            "choices",
            "required_in_states",
            "position",
            "show_in_list",
            "retired",
            "version",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["version", "created_at", "updated_at"]
        extra_kwargs = {"position": {"required": False}}
        # (target, key) is unique: the service answers a taken key on `key`.
        validators: list = []


@extend_schema_view(
    create=extend_schema(responses={201: CustomFieldSerializer, **ERRORS}),
    partial_update=extend_schema(responses={200: CustomFieldSerializer, **ERRORS}),
)
class CustomFieldViewSet(viewsets.ModelViewSet):
    """Custom fields of customers, contacts, leads, opportunities, contracts and payment
    milestones. The key, record type and type are fixed once made; a rename is a new label,
    retiring (`retired: true`) hides the field and keeps every value. Every change is audited
    with before and after."""

    queryset = CustomField.objects.none()
    serializer_class = CustomFieldSerializer
    permission_classes = [permissions.IsAuthenticated, IsAdminOrReadOnly]
    filterset_fields = ["target", "type", "retired"]
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        return custom_field_list(user=self.request.user)

    def perform_create(self, serializer):
        serializer.instance = custom_field_create(
            by=self.request.user, data=dict(serializer.validated_data)
        )

    def perform_update(self, serializer):
        serializer.instance = custom_field_update(
            field=serializer.instance,
            by=self.request.user,
            data=dict(serializer.validated_data),
            expected_version=requested_version(self.request),
        )

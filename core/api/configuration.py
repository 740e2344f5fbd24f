"""The configuration as a file (issue 20.6), administrators only:
`GET /api/v1/configuration/export/` downloads it, `POST /api/v1/configuration/import/` (a
multipart `file` or the document as the JSON body; `?dry_run=1` to preview) writes it."""

from __future__ import annotations

from django.http import QueryDict
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import permissions, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from core import policy
from core.configuration import (
    MAX_BYTES,
    configuration_export,
    configuration_import,
    configuration_read,
)

from .mixins import ERRORS


class MayTransferConfiguration(permissions.BasePermission):
    def has_permission(self, request, view):
        return policy.may(request.user, "settings.change")


ImportResultSerializer = inline_serializer(
    name="ConfigurationImportResult",
    fields={
        "dry_run": serializers.BooleanField(),
        "created": serializers.IntegerField(),
        "changed": serializers.IntegerField(),
        "unchanged": serializers.IntegerField(),
        "entries": serializers.ListField(
            child=inline_serializer(
                name="ConfigurationImportEntry",
                fields={
                    "section": serializers.CharField(),
                    "entry": serializers.CharField(),
                    "outcome": serializers.ChoiceField(["created", "changed", "unchanged"]),
                },
            )
        ),
    },
)


def truthy(value: str | None) -> bool:
    return (value or "").strip().lower() in {"1", "true", "yes", "on"}


class ConfigurationExportView(APIView):
    """The company's configuration (configured roles, custom fields, approval chains) as one
    JSON file, each entry by its natural key."""

    permission_classes = [permissions.IsAuthenticated, MayTransferConfiguration]

    @extend_schema(
        operation_id="configuration_export",
        responses={200: OpenApiTypes.OBJECT, **ERRORS},
    )
    def get(self, request):
        document = configuration_export(by=request.user)
        filename = f"ltc-configuration-{timezone.localdate():%Y%m%d}.json"
        return Response(
            document, headers={"Content-Disposition": f'attachment; filename="{filename}"'}
        )


class ConfigurationImportView(APIView):
    """Import a configuration file: validated as a whole, written in one transaction through
    the areas' services (each change audited), or with `dry_run` only previewed. An entry
    refused is a 400 `bad_configuration` naming it, and nothing is written."""

    permission_classes = [permissions.IsAuthenticated, MayTransferConfiguration]

    @extend_schema(
        operation_id="configuration_import",
        parameters=[OpenApiParameter("dry_run", OpenApiTypes.BOOL, description="Only preview.")],
        request={
            "application/json": OpenApiTypes.OBJECT,
            "multipart/form-data": inline_serializer(
                name="ConfigurationUpload", fields={"file": serializers.FileField()}
            ),
        },
        responses={200: ImportResultSerializer, **ERRORS},
    )
    def post(self, request):
        upload = request.FILES.get("file")
        if upload is not None:
            document = configuration_read(upload.read(MAX_BYTES + 1))
        elif isinstance(request.data, QueryDict):
            document = None  # a form without its file: not a configuration
        else:
            document = request.data
        result = configuration_import(
            document=document,
            by=request.user,
            dry_run=truthy(request.query_params.get("dry_run")),
        )
        return Response(result)

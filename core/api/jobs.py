"""API of operations on demand (ADR 15): the jobs an administrator may run now, and their runs.

`GET /jobs/` lists the registered jobs with their latest run; `POST /jobs/<name>/run/` asks for
a run (202 with the run; while one is queued or running, that same run); `GET /job-runs/` is
the history. Administrators only; everyone else gets 403.
"""

from __future__ import annotations

from django.db.models import Max
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from core import policy
from core.jobs import job_get, job_registry, job_request
from core.models import JobRun

from .fields import DateTimeField
from .mixins import ERRORS
from .serializers import ErrorSerializer, ModelSerializer


class IsAdministrator(permissions.BasePermission):
    """Administrators only (by role or as superusers), however they signed in."""

    def has_permission(self, request, view):
        user = request.user
        return policy.may(user, "operations.run_jobs")


class JobRunSerializer(ModelSerializer):
    requested_by = serializers.StringRelatedField(allow_null=True)
    requested_at = DateTimeField(read_only=True)
    started_at = DateTimeField(read_only=True, allow_null=True)
    finished_at = DateTimeField(read_only=True, allow_null=True)
    result = serializers.JSONField(read_only=True, allow_null=True)

    class Meta:
        model = JobRun
        fields = [
            "id",
            "name",
            "status",
            "requested_by",
            "requested_at",
            "started_at",
            "finished_at",
            "result",
            "error",
        ]
        read_only_fields = fields


class JobSerializer(serializers.Serializer):
    name = serializers.CharField()
    label = serializers.CharField()
    description = serializers.CharField()
    last_run = serializers.IntegerField(allow_null=True, help_text="id of the latest run")
    last_status = serializers.CharField(allow_null=True)
    last_requested_at = DateTimeField(allow_null=True)
    last_finished_at = DateTimeField(allow_null=True)


NAME = OpenApiParameter("name", OpenApiTypes.STR, OpenApiParameter.PATH, description="job name")
ADMIN_ONLY = {403: ErrorSerializer}


class JobViewSet(viewsets.ViewSet):
    """The periodic jobs, each of which an administrator may run now."""

    permission_classes = [permissions.IsAuthenticated, IsAdministrator]
    lookup_field = "name"
    lookup_value_regex = r"[a-z0-9-]+"
    serializer_class = JobSerializer

    @extend_schema(responses={200: JobSerializer(many=True), **ADMIN_ONLY})
    def list(self, request):
        jobs = job_registry()
        latest = JobRun.objects.values("name").annotate(last=Max("id")).values_list("last")
        runs = {run.name: run for run in JobRun.objects.filter(pk__in=latest)}
        rows = []
        for job in jobs:
            run = runs.get(job.name)
            rows.append(
                {
                    "name": job.name,
                    "label": str(job.label),
                    "description": str(job.description),
                    "last_run": run.pk if run else None,
                    "last_status": run.status if run else None,
                    "last_requested_at": run.requested_at if run else None,
                    "last_finished_at": run.finished_at if run else None,
                }
            )
        return Response(JobSerializer(rows, many=True).data)

    @extend_schema(parameters=[NAME], request=None, responses={202: JobRunSerializer, **ERRORS})
    @action(detail=True, methods=["post"])
    def run(self, request, name=None):
        """Run the job now, in the background: 202 with the run. While a run of the job is
        queued or running, that run is answered and nothing new is queued."""
        job_get(name)
        run, _created = job_request(name=name, by=request.user)
        return Response(JobRunSerializer(run).data, status=status.HTTP_202_ACCEPTED)


@extend_schema_view(
    list=extend_schema(responses={200: JobRunSerializer(many=True), **ADMIN_ONLY}),
    retrieve=extend_schema(responses={200: JobRunSerializer, 404: ErrorSerializer, **ADMIN_ONLY}),
)
class JobRunViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Runs of the on-demand jobs, newest first: who asked, when, how it went."""

    permission_classes = [permissions.IsAuthenticated, IsAdministrator]
    queryset = JobRun.objects.select_related("requested_by")
    serializer_class = JobRunSerializer
    filterset_fields = ["name", "status"]
    ordering_fields = ["id", "requested_at"]

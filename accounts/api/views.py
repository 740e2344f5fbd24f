from django.db import transaction
from django.http import StreamingHttpResponse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import mixins, permissions, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from accounts.activities import resolve_subject
from accounts.filters import ActivityFilter, CustomerFilter
from accounts.imports.customers import customer_export_columns
from accounts.imports.services import (
    error_report_lines,
    import_cancel,
    import_commit,
    import_start,
    template_lines,
)
from accounts.models import Activity, Customer, CustomerAlias, ImportJob, OrgUnit, User
from accounts.selectors import (
    activity_list,
    colleagues,
    customer_alias_list,
    customer_duplicates,
    customer_list,
    customer_resolve,
    import_job_list,
)
from accounts.services import (
    activity_create,
    activity_update,
    customer_alias_add,
    customer_alias_remove,
    customer_create,
    customer_merge,
    customer_update,
    customers_upsert,
    user_create,
    user_deactivate,
    user_update,
)
from core.api.mixins import ERRORS, ScopedViewSetMixin, TimelineMixin
from core.api.parsers import JSONParser
from core.api.views import IsAdminOrReadOnly
from core.errors import NotFound
from core.exports import export_response
from core.params import query_params
from core.replica import reads_from_replica

from .bulk import (
    CUSTOMER_EXAMPLES,
    BulkEnvelopeSerializer,
    BulkResultSerializer,
    CustomerBulkItemSerializer,
    CustomerBulkRequestSerializer,
    bulk_response,
    item_validator,
)
from .serializers import (
    ActivitySerializer,
    ActivityUpdateSerializer,
    CustomerAliasSerializer,
    CustomerCreateSerializer,
    CustomerMergeSerializer,
    CustomerSerializer,
    DuplicateQuerySerializer,
    DuplicateSerializer,
    ExportQuerySerializer,
    ImportCommitSerializer,
    ImportIssueSerializer,
    ImportJobSerializer,
    ImportTemplateQuerySerializer,
    ImportUploadSerializer,
    MeSerializer,
    OrgUnitSerializer,
    UserAdminSerializer,
    UserSerializer,
    UserWriteSerializer,
)

WRITE_METHODS = ["get", "post", "put", "patch", "head", "options"]
CSV_DOWNLOAD = {(200, "text/csv"): OpenApiResponse(OpenApiTypes.BINARY, description="CSV")}
FILE_DOWNLOADS = {
    **CSV_DOWNLOAD,
    (200, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"): OpenApiResponse(
        OpenApiTypes.BINARY, description="XLSX"
    ),
}


class OrgUnitViewSet(viewsets.ReadOnlyModelViewSet):
    """The sales organisation: company, regions, representative offices, teams."""

    queryset = OrgUnit.objects.all()
    serializer_class = OrgUnitSerializer
    filterset_fields = ["kind", "parent"]
    search_fields = ["name", "code"]
    pagination_class = None


@extend_schema_view(
    create=extend_schema(
        request=UserWriteSerializer, responses={201: UserAdminSerializer, **ERRORS}
    ),
    partial_update=extend_schema(
        request=UserWriteSerializer(partial=True), responses={200: UserAdminSerializer, **ERRORS}
    ),
)
class UserViewSet(
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.ReadOnlyModelViewSet,
):
    """The directory of colleagues (for owners and iron-triangle seats): e-mail and phone only
    for administrators, a manager's subtree and oneself (ADR 13).

    Administrators also manage users here (an identity system keeps them in sync): create with
    an org unit and a role, PATCH to move, set the role, deactivate (`is_active: false`, which
    answers what the user still holds in `to_reassign`) or reactivate; never deleted. Everyone
    else gets 403 on writes (ADR 15)."""

    serializer_class = UserSerializer
    permission_classes = [permissions.IsAuthenticated, IsAdminOrReadOnly]
    filterset_fields = ["role", "org_unit"]
    search_fields = ["username", "first_name", "last_name"]
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        if self.request.method not in permissions.SAFE_METHODS:
            return User.objects.select_related("org_unit")  # administrators: inactive ones too
        return colleagues(user=self.request.user)

    def _answer(self, user, status: int = 200, to_reassign: dict | None = None) -> Response:
        user.to_reassign = to_reassign or {}
        return Response(
            UserAdminSerializer(user, context=self.get_serializer_context()).data, status=status
        )

    def create(self, request, *args, **kwargs):
        data = UserWriteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        password = values.pop("password", None)
        user = user_create(by=request.user, data=values, password=password)
        return self._answer(user, status=201)

    def update(self, request, *args, **kwargs):
        user = self.get_object()
        data = UserWriteSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        password = values.pop("password", None)
        deactivate = values.get("is_active") is False and user.is_active
        if deactivate:
            values.pop("is_active")
        with transaction.atomic():
            if values or password:
                user = user_update(by=request.user, user=user, data=values, password=password)
            holdings = None
            if deactivate:
                user, holdings = user_deactivate(by=request.user, user=user)
        return self._answer(user, to_reassign=holdings)

    @extend_schema(responses=MeSerializer)
    @action(detail=False, methods=["get"])
    def me(self, request):
        return Response(MeSerializer(request.user, context={"request": request}).data)


class ExportMixin:
    """`GET /<resource>/export/?file_format=csv|xlsx&<the list's filters>`: the filtered,
    policy-scoped list as a file, streamed."""

    export_filename = "export"

    def export_columns(self) -> list:
        raise NotImplementedError

    @extend_schema(
        parameters=[ExportQuerySerializer],
        responses={**FILE_DOWNLOADS, 400: ERRORS[400]},
        summary="Export the filtered list as CSV or XLSX",
    )
    @action(detail=False, methods=["get"], pagination_class=None)
    @method_decorator(reads_from_replica)
    def export(self, request):
        query = ExportQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        queryset = self.filter_queryset(self.get_queryset())
        return export_response(
            queryset=queryset,
            columns=self.export_columns(),
            file_format=query.validated_data["file_format"],
            filename=self.export_filename,
            user=request.user,
        )


class CustomerViewSet(
    ScopedViewSetMixin,
    TimelineMixin,
    ExportMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Customer accounts, each registered to an account manager (客户报备).

    A customer merged into another is a tombstone: lists leave it out, but its own URL still
    answers, with `merged_into` naming the survivor."""

    queryset = Customer.objects.none()
    selector = customer_list
    serializer_class = CustomerSerializer
    filterset_class = CustomerFilter
    search_fields = ["name", "credit_code"]
    ordering_fields = ["id", "name", "created_at"]
    http_method_names = WRITE_METHODS
    export_filename = "customers"

    def get_queryset(self):
        if self.action in ("retrieve", "timeline"):
            return customer_list(user=self.request.user, include_merged=True)
        return super().get_queryset()

    def get_serializer_class(self):
        return CustomerCreateSerializer if self.action == "create" else CustomerSerializer

    def timeline_targets(self, obj):
        return [obj, *Customer.all_objects.filter(merged_into=obj)]

    def export_columns(self):
        return customer_export_columns()

    def create_record(self, data):
        allow = data.pop("allow_duplicate", False)
        return customer_create(by=self.request.user, data=data, allow_duplicate=allow)

    def update_record(self, instance, data, expected_version):
        return customer_update(
            customer=instance, by=self.request.user, data=data, expected_version=expected_version
        )

    @extend_schema(parameters=[DuplicateQuerySerializer], responses=DuplicateSerializer(many=True))
    @action(detail=False, methods=["get"], filter_backends=[], pagination_class=None)
    def duplicates(self, request):
        """Likely duplicates of a company (by normalised name, credit code, phone, e-mail),
        whoever owns them: reps must see that an account is already registered."""
        query = DuplicateQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        found = customer_duplicates(**query.validated_data)
        return Response(
            DuplicateSerializer(
                [{"id": c.pk, "name": c.name, "owner": str(c.owner or "")} for c in found],
                many=True,
            ).data
        )

    @extend_schema(
        request=CustomerMergeSerializer,
        responses={200: CustomerSerializer, **ERRORS},
        summary="Merge a duplicate customer into this one",
    )
    @action(detail=True, methods=["post"], filter_backends=[])
    def merge(self, request, pk=None):
        """Merge the `source` customer into this one: every related record (contacts,
        activities, leads, opportunities, contracts, receipts...) moves here, the source stays
        as a tombstone pointing here, and both timelines record it. Managers and admins only."""
        target = self.get_object()
        data = CustomerMergeSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        source = customer_resolve(user=request.user, pk=data.validated_data["source"])
        if source is None:
            raise NotFound(_("No such customer."), fields={"source": [_("No such customer.")]})
        merged = customer_merge(target=target, source=source, by=request.user)
        return Response(self.get_serializer(merged).data)

    @extend_schema(
        request=CustomerBulkRequestSerializer,
        responses={200: BulkResultSerializer, **ERRORS},
        examples=CUSTOMER_EXAMPLES,
        summary="Create or update many customers by external id",
    )
    @action(
        detail=False,
        methods=["post"],
        url_path="bulk-upsert",
        filter_backends=[],
        pagination_class=None,
    )
    def bulk_upsert(self, request):
        """Create or update up to 1,000 customers by `external_id`. Each item is written on
        its own (one failing leaves the others applied, and nothing of itself): the answer
        gives, per item, `created`, `updated`, `unchanged` or `error` with the usual error
        shape. Existing customers one may not change fail; one may not see fail like an
        external id one may not use. Send an `Idempotency-Key` to retry safely."""
        envelope = BulkEnvelopeSerializer(data=request.data)
        envelope.is_valid(raise_exception=True)
        results = customers_upsert(
            by=request.user,
            items=envelope.validated_data["items"],
            validate=item_validator(CustomerBulkItemSerializer, self.get_serializer_context()),
            allow_duplicate=envelope.validated_data["allow_duplicate"],
        )
        return Response(BulkResultSerializer(bulk_response(results)).data)


class CustomerAliasViewSet(
    ScopedViewSetMixin,
    mixins.CreateModelMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """Other names customers go by (广东移动 for 中国移动通信集团广东有限公司), kept by anyone who
    may change the customer; duplicate search, imports and lead capture match them. An alias
    naming another customer already, or another customer's name, is a 400 `duplicate_alias`."""

    queryset = CustomerAlias.objects.none()
    selector = customer_alias_list
    serializer_class = CustomerAliasSerializer
    filterset_fields = ["customer"]
    search_fields = ["alias"]
    ordering_fields = ["id", "alias"]

    def create_record(self, data):
        return customer_alias_add(
            customer=data["customer"], by=self.request.user, alias=data["alias"]
        )

    def perform_destroy(self, instance):
        customer_alias_remove(alias=instance, by=self.request.user)


SUBJECT_PARAMETERS = [
    OpenApiParameter(
        "subject_type",
        OpenApiTypes.STR,
        description='With subject_id: the activities of one record, e.g. "leads.lead".',
    ),
    OpenApiParameter("subject_id", OpenApiTypes.INT, description="With subject_type."),
]


@extend_schema(parameters=SUBJECT_PARAMETERS)
class ActivityViewSet(
    ScopedViewSetMixin,
    TimelineMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Customer interactions (visit, call, e-mail, meeting, demo) on leads, opportunities,
    contracts and customers, with their next steps; `overdue=true` lists next steps past due.

    Filter by `subject_type` and `subject_id` for one record's follow-up record: everyone who
    may see the record sees its activities."""

    queryset = Activity.objects.none()
    selector = activity_list
    serializer_class = ActivitySerializer
    filterset_class = ActivityFilter
    search_fields = ["summary", "notes", "next_step"]
    ordering_fields = ["id", "occurred_at", "next_step_date"]
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        if self.action == "list":
            params = query_params(self.request)
            label, subject_id = params.text("subject_type"), params.id("subject_id")
            if label or subject_id:
                subject = resolve_subject(user=self.request.user, label=label, pk=subject_id)
                return activity_list(user=self.request.user, subject=subject)
        return super().get_queryset()

    def get_serializer_class(self):
        if self.action in ("update", "partial_update"):
            return ActivityUpdateSerializer
        return ActivitySerializer

    def create_record(self, data):
        subject = resolve_subject(
            user=self.request.user, label=data.pop("subject_type"), pk=data.pop("subject_id")
        )
        data.pop("next_step_done", None)
        return activity_create(by=self.request.user, subject=subject, data=data)

    def update_record(self, instance, data, expected_version):
        return activity_update(
            activity=instance, by=self.request.user, data=data, expected_version=expected_version
        )


class ImportJobViewSet(
    ScopedViewSetMixin,
    mixins.CreateModelMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Imports of customers and leads from CSV or XLSX.

    `POST` a file (multipart: `kind`, `file`): its rows are checked — errors and duplicates
    against the database and within the file — and nothing is written (`status` "validated",
    the problem rows under `issues/`). Then `commit/` with `mode` "all" or "valid" imports.
    Large files are checked and imported by background jobs: poll the import for `status`
    and `progress`. `error-report/` downloads the problem rows as CSV."""

    queryset = ImportJob.objects.none()
    selector = import_job_list
    serializer_class = ImportJobSerializer
    parser_classes = [JSONParser, MultiPartParser, FormParser]
    filterset_fields = ["kind", "status"]
    ordering_fields = ["id"]
    http_method_names = ["get", "post", "head", "options"]

    @extend_schema(
        request={"multipart/form-data": ImportUploadSerializer},
        responses={201: ImportJobSerializer, **ERRORS},
        summary="Upload a file to import (checked, not yet imported)",
    )
    def create(self, request, *args, **kwargs):
        data = ImportUploadSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        job = import_start(
            by=request.user,
            kind=data.validated_data["kind"],
            upload=data.validated_data["file"],
        )
        job.refresh_from_db()
        return Response(self.get_serializer(job).data, status=201)

    @extend_schema(
        request=ImportCommitSerializer,
        responses={200: ImportJobSerializer, **ERRORS},
        summary="Import the checked rows",
    )
    @action(detail=True, methods=["post"], filter_backends=[])
    def commit(self, request, pk=None):
        job = self.get_object()
        data = ImportCommitSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        job = import_commit(job=job, by=request.user, mode=data.validated_data["mode"])
        job.refresh_from_db()
        return Response(self.get_serializer(job).data)

    @extend_schema(request=None, responses={200: ImportJobSerializer, **ERRORS})
    @action(detail=True, methods=["post"], filter_backends=[])
    def cancel(self, request, pk=None):
        """Drop an import that was not committed."""
        job = import_cancel(job=self.get_object(), by=request.user)
        return Response(self.get_serializer(job).data)

    @extend_schema(
        parameters=[OpenApiParameter("level", OpenApiTypes.STR, enum=["error", "duplicate"])],
        responses=ImportIssueSerializer(many=True),
        summary="The problem rows of an import",
    )
    @action(detail=True, methods=["get"], filter_backends=[])
    def issues(self, request, pk=None):
        job = self.get_object()
        issues = job.issues.all()
        level = query_params(request).choice("level", ["error", "duplicate"])
        if level:
            issues = issues.filter(level=level)
        paginator = self.paginator
        paginator.ordering = ("row", "id")
        page = paginator.paginate_queryset(issues, request, view=self)
        return paginator.get_paginated_response(ImportIssueSerializer(page, many=True).data)

    @extend_schema(responses=CSV_DOWNLOAD, summary="Download the problem rows as CSV")
    @action(detail=True, methods=["get"], url_path="error-report", filter_backends=[])
    def error_report(self, request, pk=None):
        job = self.get_object()
        response = StreamingHttpResponse(
            error_report_lines(job=job), content_type="text/csv; charset=utf-8"
        )
        response["Content-Disposition"] = f'attachment; filename="import-{job.pk}-errors.csv"'
        return response

    @extend_schema(
        parameters=[ImportTemplateQuerySerializer],
        responses=CSV_DOWNLOAD,
        summary="An empty CSV with an import's columns",
    )
    @action(detail=False, methods=["get"], filter_backends=[], pagination_class=None)
    def template(self, request):
        query = ImportTemplateQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        kind = query.validated_data["kind"]
        response = StreamingHttpResponse(
            template_lines(kind=kind), content_type="text/csv; charset=utf-8"
        )
        response["Content-Disposition"] = f'attachment; filename="{kind}-template.csv"'
        return response

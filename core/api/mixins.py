"""What every resource's viewset shares: policy-scoped querysets, services for writes,
optimistic locking, the transitions endpoint and the timeline."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework.decorators import action
from rest_framework.permissions import SAFE_METHODS
from rest_framework.response import Response

from core import fsm, policy
from core.audit import timeline
from core.errors import Conflict, Forbidden
from core.money import amounts_hidden, amounts_shown
from core.records import record_create, record_update
from core.replica import mark_replica_reads
from core.timeline.pages import money_field_names

from .serializers import AuditEventSerializer, ErrorSerializer, TransitionInputSerializer

ERRORS = {400: ErrorSerializer, 403: ErrorSerializer, 404: ErrorSerializer, 409: ErrorSerializer}


def requested_version(request) -> int | None:
    """The version the client edited, from `If-Match: "3"` or a `version` field."""
    raw = request.headers.get("If-Match")
    if raw:
        raw = raw.strip().removeprefix("W/").strip('"')
    elif isinstance(request.data, dict):
        raw = request.data.get("version")
    if raw in (None, "", "*"):
        return None
    try:
        return int(raw)
    except (TypeError, ValueError):
        raise Conflict(_("If-Match must be a version number."), code="bad_version") from None


class ScopedViewSetMixin:
    """Scopes every queryset through the access policy and routes writes through services.

    Reading a record one may not see is a 404; changing one you may see but not change, a 403.
    Subclasses override `create_record` / `update_record` to call their app's services.
    """

    #: The app's selector for this resource (`selector = receipt_list`): the API reads through
    #: the same function as the pages (its scope and its joins), and `queryset` only names the
    #: model for the schema and the filters.
    selector = None
    #: What the partner portal's fence asks (`core.portal.api_allows`).
    scoped_by_policy = True

    def __init_subclass__(cls, **kwargs):
        # The list action reads from the replica when one is configured (ADR 35): marked here,
        # once for every viewset that has one (a subclass's own `list` is marked again).
        super().__init_subclass__(**kwargs)
        mark_replica_reads(cls, "list")

    def get_queryset(self):
        if self.selector is not None:
            queryset = type(self).selector(user=self.request.user)
        else:
            queryset = policy.restrict(super().get_queryset(), self.request.user, "view")
        # Rows whose amounts the user may not see read with their money null (the serializer
        # asks `amounts_shown`): no query of its own, and none for most users at all.
        return policy.with_amounts_shown(queryset, self.request.user)[0]

    def get_object(self):
        obj = super().get_object()
        if self.request.method not in SAFE_METHODS and not policy.can(
            self.request.user, obj, "change"
        ):
            raise Forbidden(_("You may not change this record."))
        return obj

    def paginate_queryset(self, queryset):
        page = super().paginate_queryset(queryset)
        # A slim list serializer that offers no transitions needs no "may change" query.
        if page is not None and getattr(self.get_serializer_class(), "needs_changeable_ids", True):
            self._changeable_ids = policy.changeable_ids(
                queryset, self.request.user, [obj.pk for obj in page]
            )
        return page

    def get_serializer_context(self):
        context = super().get_serializer_context()
        context["changeable_ids"] = getattr(self, "_changeable_ids", None)
        return context

    def retrieve(self, request, *args, **kwargs):
        response = super().retrieve(request, *args, **kwargs)
        if "version" in response.data:
            response["ETag"] = f'"{response.data["version"]}"'
        return response

    # Writes go through services -------------------------------------------------------------
    def create_record(self, data: dict) -> models.Model:
        return record_create(self.get_queryset().model, by=self.request.user, data=data)

    def update_record(self, instance, data: dict, expected_version: int | None):
        return record_update(
            instance, by=self.request.user, data=data, expected_version=expected_version
        )

    def perform_create(self, serializer):
        serializer.instance = self.create_record(dict(serializer.validated_data))

    def perform_update(self, serializer):
        serializer.instance = self.update_record(
            serializer.instance, dict(serializer.validated_data), requested_version(self.request)
        )


def timeline_data(obj, events) -> list[dict]:
    """The timeline of `obj` as the API gives it. When the reader may not see `obj`'s amounts
    (issue 20.1, `amounts_shown`), its sentences read "—" for every amount and the raw diff's
    money fields (the names the timeline's money filter knows) are null."""
    if amounts_shown(obj):
        return AuditEventSerializer(events, many=True).data
    with amounts_hidden():
        data = AuditEventSerializer(events, many=True).data
    money = set(money_field_names())
    for row in data:
        changes = row.get("changes")
        if isinstance(changes, dict):
            row["changes"] = {k: None if k in money else v for k, v in changes.items()}
    return data


class TimelineMixin:
    @extend_schema(responses=AuditEventSerializer(many=True), summary="Audit timeline")
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def timeline(self, request, pk=None):
        """Every audited change to this record, newest first."""
        obj = self.get_object()
        return Response(timeline_data(obj, timeline(*self.timeline_targets(obj))[:500]))

    def timeline_targets(self, obj) -> list[models.Model]:
        return [obj]


class TransitionsMixin:
    """`POST /<resource>/<id>/transitions/<name>/` runs one transition of the record."""

    def run_transition(self, obj, name: str, data: dict):
        return fsm.transition_run(
            obj, name, by=self.request.user, reason=data["reason"], comment=data["comment"]
        )

    @extend_schema(
        request=TransitionInputSerializer,
        responses=ERRORS,
        parameters=[
            OpenApiParameter(
                "name",
                OpenApiTypes.STR,
                OpenApiParameter.PATH,
                description="The transition to run.",
            )
        ],
        summary="Run a state transition",
    )
    @action(
        detail=True, methods=["post"], url_path=r"transitions/(?P<name>[a-z_]+)", filter_backends=[]
    )
    def transitions(self, request, pk=None, name=None):
        obj = self.get_object()
        data = TransitionInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        expected = requested_version(request)
        if expected is not None and expected != obj.version:
            raise Conflict(
                _("This record was changed by someone else; reload it."), code="stale_version"
            )
        obj = self.run_transition(obj, name, data.validated_data)
        obj = self.get_queryset().get(pk=obj.pk)
        return Response(self.get_serializer(obj).data)


def transitions_schema(model: type[models.Model], serializer_class):
    """Documents the transitions endpoint of `model`'s viewset: the names it accepts and what
    it returns."""
    names = sorted(fsm.transitions_of(model))
    return extend_schema_view(
        transitions=extend_schema(
            request=TransitionInputSerializer,
            responses={200: serializer_class, **ERRORS},
            parameters=[
                OpenApiParameter(
                    "name",
                    OpenApiTypes.STR,
                    OpenApiParameter.PATH,
                    enum=names,
                    description="The transition to run.",
                )
            ],
            summary=f"Run a {model._meta.model_name} state transition",
        )
    )

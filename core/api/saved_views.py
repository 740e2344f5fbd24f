"""API of saved list views: /api/v1/saved-views/?page=leads:list."""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, viewsets
from rest_framework.response import Response

from core.api.serializers import ModelSerializer
from core.errors import ValidationFailed
from core.models import SavedView
from core.params import query_params
from core.saved_views import saved_view_delete, saved_view_save, saved_views_for

from .mixins import ERRORS


class SavedViewSerializer(ModelSerializer):
    mine = serializers.SerializerMethodField()

    class Meta:
        model = SavedView
        fields = ["id", "page", "name", "query", "shared", "mine", "created_at"]
        read_only_fields = ["id", "mine", "created_at"]
        extra_kwargs = {"query": {"default": ""}}  # a view of the unfiltered list

    def get_mine(self, obj) -> bool:
        request = self.context.get("request")
        return bool(request and obj.user_id == request.user.pk)


@extend_schema_view(
    list=extend_schema(
        parameters=[
            OpenApiParameter("page", OpenApiTypes.STR, required=True, description="leads:list")
        ]
    ),
    create=extend_schema(responses={201: SavedViewSerializer, **ERRORS}),
)
class SavedViewViewSet(
    mixins.CreateModelMixin,
    mixins.ListModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """A list page's saved filters: the user's own and those their team shares. Saving a
    name again overwrites it; only one's own views can be deleted."""

    serializer_class = SavedViewSerializer
    pagination_class = None
    filter_backends: list = []
    queryset = SavedView.objects.none()

    def get_queryset(self):
        return saved_views_for(user=self.request.user, page=query_params(self.request).text("page"))

    def list(self, request, *args, **kwargs):
        if not query_params(request).text("page"):
            raise ValidationFailed(_("Name the page."), fields={"page": [_("Required.")]})
        return super().list(request, *args, **kwargs)

    def create(self, request, *args, **kwargs):
        data = self.get_serializer(data=request.data)
        data.is_valid(raise_exception=True)
        view = saved_view_save(user=request.user, **data.validated_data)
        return Response(self.get_serializer(view).data, status=201)

    def destroy(self, request, *args, **kwargs):
        saved_view_delete(user=request.user, pk=int(kwargs["pk"]))
        return Response(status=204)

"""Admin-only endpoints that manage integrations: API keys (and webhooks)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from ltc.api.mixins import ERRORS

from ..keys import api_key_issue, api_key_revoke
from ..models import ApiKey
from .permissions import IsAdminPerson
from .serializers import ApiKeySerializer, IssuedApiKeySerializer


class ApiKeyViewSet(
    mixins.CreateModelMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """API keys of systems. Administrators create them (the token is in the response once,
    and never again) and revoke them; a key acts as its service user with its scopes."""

    api_area = "integrations"
    queryset = ApiKey.objects.select_related("user")
    serializer_class = ApiKeySerializer
    permission_classes = [permissions.IsAuthenticated, IsAdminPerson]
    filterset_fields = ["user"]
    search_fields = ["name", "prefix"]
    ordering_fields = ["id", "created_at"]

    @extend_schema(request=ApiKeySerializer, responses={201: IssuedApiKeySerializer, **ERRORS})
    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        issued = api_key_issue(**serializer.validated_data, by=request.user)
        data = IssuedApiKeySerializer(issued.key).data
        data["token"] = issued.token
        return Response(data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={200: ApiKeySerializer, **ERRORS})
    @action(detail=True, methods=["post"])
    def revoke(self, request, pk=None):
        """Revoke the key: every later request with it is a 401."""
        key = api_key_revoke(key=self.get_object(), by=request.user)
        return Response(self.get_serializer(key).data)

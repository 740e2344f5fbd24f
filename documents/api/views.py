"""API of documents from the record (ADR 27): list, generate, download, the e-signature
hand-off and its signed callback; and the company's document templates."""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, permissions, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from core import policy
from core.api.mixins import ERRORS
from core.api.serializers import ErrorSerializer
from core.errors import Forbidden, NotFound

from ..models import DocumentTemplate, GeneratedDocument
from ..selectors import document_list, may_change_record, record_for, template_list
from ..services import (
    SIGNATURE_HEADER,
    document_generate,
    document_send_for_signature,
    signature_callback,
    template_save,
)
from ..views import pdf_response
from .serializers import (
    DocumentGenerateSerializer,
    DocumentTemplateSerializer,
    DocumentTemplateWriteSerializer,
    GeneratedDocumentSerializer,
    SignatureCallbackSerializer,
)


class GeneratedDocumentViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Documents generated from records (quote, bid cover letter, contract draft, payment
    request, authorisation letter) as PDF, numbered per kind and year and versioned: each
    generation is a new version, never an overwrite. Seen by whoever may view the record;
    generated and sent for signature by whoever may change it."""

    queryset = GeneratedDocument.objects.none()
    serializer_class = GeneratedDocumentSerializer
    filterset_fields = ["kind", "record_id", "signature_state"]
    ordering_fields = ["id", "created_at"]

    def get_queryset(self):
        return document_list(user=self.request.user)

    @extend_schema(
        request=DocumentGenerateSerializer, responses={201: GeneratedDocumentSerializer, **ERRORS}
    )
    @action(detail=False, methods=["post"])
    def generate(self, request):
        """Make the next version of a document from a record you may change."""
        data = DocumentGenerateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        kind = data.validated_data["kind"]
        record_id = data.validated_data["record_id"]
        record = record_for(user=request.user, kind=kind, record_id=record_id, action="change")
        if record is None:
            if record_for(user=request.user, kind=kind, record_id=record_id) is not None:
                raise Forbidden(_("You may not change this record."))
            raise NotFound(_("No such record."))
        document = document_generate(
            by=request.user, kind=kind, record=record, language=data.validated_data["language"]
        )
        return Response(self.get_serializer(document).data, status=201)

    @extend_schema(responses={(200, "application/pdf"): OpenApiTypes.BINARY, **ERRORS})
    @action(detail=True, methods=["get"], filter_backends=[])
    def download(self, request, pk=None):
        """The PDF itself, to whoever may view the record it was made from."""
        return pdf_response(self.get_object())

    @extend_schema(request=None, responses={200: GeneratedDocumentSerializer, **ERRORS})
    @action(detail=True, methods=["post"], url_path="send-for-signature", filter_backends=[])
    def send_for_signature(self, request, pk=None):
        """Hand the document to e-signature: records that this file (its `sha256`) was sent.
        Vendor adapters call this; the vendor answers on `signature-callback/`."""
        document = self.get_object()
        if not may_change_record(request.user, document):
            raise Forbidden(_("You may not change this record."))
        document = document_send_for_signature(by=request.user, document=document)
        return Response(self.get_serializer(document).data)

    @extend_schema(
        request=SignatureCallbackSerializer,
        responses={
            200: GeneratedDocumentSerializer,
            400: ErrorSerializer,
            401: ErrorSerializer,
            404: ErrorSerializer,
            409: ErrorSerializer,
        },
        parameters=[
            OpenApiParameter(
                SIGNATURE_HEADER,
                OpenApiTypes.STR,
                OpenApiParameter.HEADER,
                required=True,
                description='t=<unix time>,v1=<hex HMAC-SHA256 of "<t>.<body>" with the '
                "company's callback secret>; at most 5 minutes old.",
            )
        ],
        auth=[],
    )
    @action(
        detail=True,
        methods=["post"],
        url_path="signature-callback",
        filter_backends=[],
        authentication_classes=[],
        permission_classes=[permissions.AllowAny],
    )
    def signature_callback(self, request, pk=None):
        """The e-signature service reports `signed` or `declined` for the file whose `sha256`
        it names (409 `document_hash_mismatch` if it is not this document's). Signed with
        the company's secret (401 `signature_invalid` otherwise); the same report again
        changes nothing."""
        document = signature_callback(
            document_id=int(pk), header=request.headers.get(SIGNATURE_HEADER, ""), body=request.body
        )
        return Response(GeneratedDocumentSerializer(document).data)


class DocumentTemplateViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """The templates documents are made from, every version (the highest of a kind and
    language is in use). Administrators add a version with POST; a template that does not
    compile in the sandbox is a 400 `bad_template`."""

    queryset = DocumentTemplate.objects.none()
    serializer_class = DocumentTemplateSerializer
    filterset_fields = ["kind", "language"]
    ordering_fields = ["id", "version"]

    def get_queryset(self):
        return template_list()

    @extend_schema(
        request=DocumentTemplateWriteSerializer,
        responses={201: DocumentTemplateSerializer, **ERRORS},
    )
    def create(self, request):
        if not policy.may(request.user, "documents.manage_templates"):
            raise Forbidden(
                _("Only administrators edit document templates."), code="permission_denied"
            )
        data = DocumentTemplateWriteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        template = template_save(by=request.user, **data.validated_data)
        return Response(self.get_serializer(template).data, status=201)

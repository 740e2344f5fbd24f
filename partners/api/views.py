"""The channel partners API: partners with admission, agreements, qualification documents and
project registrations (项目报备). Reads and writes go through the access policy and services."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from accounts.api.views import ExportMixin
from core.api.mixins import ERRORS, ScopedViewSetMixin, TimelineMixin
from core.api.parsers import JSONParser
from core.uploads import file_response

from ..filters import (
    PartnerAgreementFilter,
    PartnerFilter,
    PartnerQualificationFilter,
    PartnerRegistrationFilter,
)
from ..imports import partner_export_columns
from ..models import (
    Partner,
    PartnerAgreement,
    PartnerMember,
    PartnerQualification,
    PartnerRegistration,
)
from ..selectors import (
    agreement_list,
    member_list,
    partner_list,
    partner_registration_list,
    qualification_list,
)
from ..services import (
    agreement_create,
    agreement_update,
    member_create,
    member_deactivate,
    partner_create,
    partner_registration_convert,
    partner_registration_submit,
    partner_submit_admission,
    partner_update,
    qualification_review,
    qualification_upload,
)
from .serializers import (
    PartnerAgreementSerializer,
    PartnerMemberCreateSerializer,
    PartnerMemberSerializer,
    PartnerQualificationSerializer,
    PartnerQualificationUploadSerializer,
    PartnerRegistrationConvertSerializer,
    PartnerRegistrationCreateSerializer,
    PartnerRegistrationSerializer,
    PartnerSerializer,
    QualificationReviewSerializer,
)

WRITE_METHODS = ["get", "post", "put", "patch", "head", "options"]


class PartnerViewSet(
    ScopedViewSetMixin,
    TimelineMixin,
    ExportMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Channel partners (渠道伙伴): general distributors, agents, OEM partners and service
    providers, each run by a partner manager (渠道经理) and visible to the manager's scope.
    A new partner is a candidate; `submit-admission/` sends it through the admission chain
    (准入) of the approval engine, which admits or refuses it."""

    queryset = Partner.objects.none()
    selector = partner_list
    serializer_class = PartnerSerializer
    filterset_class = PartnerFilter
    search_fields = ["name"]
    ordering_fields = ["id", "name", "created_at"]
    http_method_names = WRITE_METHODS
    export_filename = "partners"

    def export_columns(self):
        return partner_export_columns()

    def create_record(self, data):
        return partner_create(by=self.request.user, data=data)

    def update_record(self, instance, data, expected_version):
        return partner_update(
            partner=instance, by=self.request.user, data=data, expected_version=expected_version
        )

    @extend_schema(request=None, responses={200: PartnerSerializer, **ERRORS})
    @action(detail=True, methods=["post"], url_path="submit-admission", filter_backends=[])
    def submit_admission(self, request, pk=None):
        """Ask for admission (准入): needs a qualification document."""
        partner = get_object_or_404(self.get_queryset(), pk=pk)
        partner = partner_submit_admission(partner=partner, by=request.user)
        return Response(self.get_serializer(self.get_queryset().get(pk=partner.pk)).data)


class PartnerAgreementViewSet(
    ScopedViewSetMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """A partner's agreement of one year (渠道协议): targets, discount band and the deposit
    held (保证金). One per partner and year (400 `partner_agreement_exists`). Its rebate
    scheme is attached through `/api/v1/rebate-schemes/`."""

    queryset = PartnerAgreement.objects.none()
    selector = agreement_list
    serializer_class = PartnerAgreementSerializer
    filterset_class = PartnerAgreementFilter
    ordering_fields = ["id", "year"]
    http_method_names = WRITE_METHODS

    def create_record(self, data):
        partner = data.pop("partner")
        return agreement_create(by=self.request.user, partner=partner, data=data)

    def update_record(self, instance, data, expected_version):
        return agreement_update(agreement=instance, by=self.request.user, data=data)


class PartnerQualificationViewSet(
    ScopedViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Qualification documents (资质) with their expiry: upload as multipart; `review/` (a
    sales manager over the partner) verifies or rejects; `download/` is policy-checked."""

    queryset = PartnerQualification.objects.none()
    selector = qualification_list
    serializer_class = PartnerQualificationSerializer
    filterset_class = PartnerQualificationFilter
    ordering_fields = ["id", "valid_until"]
    parser_classes = [MultiPartParser, FormParser]
    #: Partner users upload their own partner's documents and download them (ADR 21).
    portal_actions = ("create", "download")

    @extend_schema(
        request={"multipart/form-data": PartnerQualificationUploadSerializer},
        responses={201: PartnerQualificationSerializer, **ERRORS},
    )
    def create(self, request):
        data = PartnerQualificationUploadSerializer(
            data=request.data, context=self.get_serializer_context()
        )
        data.is_valid(raise_exception=True)
        document = qualification_upload(by=request.user, **data.validated_data)
        return Response(self.get_serializer(document).data, status=201)

    @extend_schema(
        request=QualificationReviewSerializer,
        responses={200: PartnerQualificationSerializer, **ERRORS},
    )
    @action(detail=True, methods=["post"], filter_backends=[], parser_classes=[JSONParser])
    def review(self, request, pk=None):
        """Verify or reject the document (资质审核)."""
        document = get_object_or_404(self.get_queryset(), pk=pk)
        data = QualificationReviewSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        reviewed = qualification_review(
            qualification=document, by=request.user, **data.validated_data
        )
        return Response(self.get_serializer(reviewed).data)

    @extend_schema(responses={(200, "application/octet-stream"): bytes, **ERRORS})
    @action(detail=True, methods=["get"], filter_backends=[])
    def download(self, request, pk=None):
        """The file itself, to whoever may see the partner."""
        document = self.get_object()
        return file_response(
            document.file, filename=document.original_name, content_type=document.content_type
        )


class PartnerRegistrationViewSet(
    ScopedViewSetMixin,
    TimelineMixin,
    mixins.CreateModelMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Projects registered by partners (项目报备). Submitting checks the partner (admitted,
    qualified, a selling tier, the customer in its territory, the product line one it sells)
    and refuses a customer or project protected for someone else with a 400
    `registration_conflict` naming the holder (or, with `contest`, goes to a ruling once
    approved). Approved through the `partner_registration` chain, it is protected for the
    partner (`protection`, a customer registration: renewed by activity, expired by the hourly
    job). `convert/` makes the opportunity with the partner on it."""

    queryset = PartnerRegistration.objects.none()
    selector = partner_registration_list
    serializer_class = PartnerRegistrationSerializer
    filterset_class = PartnerRegistrationFilter
    search_fields = ["customer__name", "project", "partner__name"]
    ordering_fields = ["id", "created_at"]

    def _respond(self, registration, status=200):
        return Response(
            self.get_serializer(self.get_queryset().get(pk=registration.pk)).data, status
        )

    @extend_schema(
        request=PartnerRegistrationCreateSerializer,
        responses={201: PartnerRegistrationSerializer, **ERRORS},
    )
    def create(self, request, *args, **kwargs):
        data = PartnerRegistrationCreateSerializer(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        created = partner_registration_submit(by=request.user, **data.validated_data)
        return self._respond(created, 201)

    @extend_schema(
        request=PartnerRegistrationConvertSerializer,
        responses={
            201: inline_serializer(
                "PartnerRegistrationConverted",
                {"opportunity": serializers.IntegerField(), "number": serializers.CharField()},
            ),
            **ERRORS,
        },
    )
    @action(detail=True, methods=["post"], filter_backends=[])
    def convert(self, request, pk=None):
        """The approved, protected registration becomes an opportunity with the partner on
        it (once: 400 `partner_registration_converted` after)."""
        registration = get_object_or_404(self.get_queryset(), pk=pk)
        data = PartnerRegistrationConvertSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        opportunity = partner_registration_convert(
            registration=registration, by=request.user, data=data.validated_data
        )
        return Response({"opportunity": opportunity.pk, "number": opportunity.number}, 201)


class PartnerMemberViewSet(
    ScopedViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Partner users (ADR 21): the people of a partner who sign in to the partner portal.
    Added and deactivated (`deactivate/`) by whoever may change the partner; audited on the
    partner's timeline."""

    queryset = PartnerMember.objects.none()
    selector = member_list
    serializer_class = PartnerMemberSerializer
    ordering_fields = ["id"]

    @extend_schema(
        request=PartnerMemberCreateSerializer,
        responses={201: PartnerMemberSerializer, **ERRORS},
    )
    def create(self, request):
        data = PartnerMemberCreateSerializer(
            data=request.data, context=self.get_serializer_context()
        )
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        partner, password = fields.pop("partner"), fields.pop("password")
        member = member_create(by=request.user, partner=partner, data=fields, password=password)
        return Response(self.get_serializer(self.get_queryset().get(pk=member.pk)).data, 201)

    @extend_schema(request=None, responses={200: PartnerMemberSerializer, **ERRORS})
    @action(detail=True, methods=["post"], filter_backends=[])
    def deactivate(self, request, pk=None):
        """End the partner user's sign-in (their sessions and tokens answer nothing more)."""
        member = get_object_or_404(self.get_queryset(), pk=pk)
        member_deactivate(by=request.user, member=member)
        return Response(self.get_serializer(self.get_queryset().get(pk=member.pk)).data)

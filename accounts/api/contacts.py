"""The contacts API: people at customers, their duplicates and merges."""

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from accounts.contact_dedupe import contact_duplicates_of, contact_merge, contact_resolve
from accounts.models import Contact
from accounts.selectors import contact_list
from accounts.services import contact_create, contacts_upsert
from core.api.mixins import ERRORS, ScopedViewSetMixin, TimelineMixin
from core.errors import NotFound

from .bulk import (
    CONTACT_EXAMPLES,
    BulkEnvelopeSerializer,
    BulkResultSerializer,
    ContactBulkItemSerializer,
    ContactBulkRequestSerializer,
    bulk_response,
    contact_preparer,
    item_validator,
)
from .serializers import (
    ContactCreateSerializer,
    ContactDuplicateSerializer,
    ContactMergeSerializer,
    ContactSerializer,
)
from .views import WRITE_METHODS


class ContactViewSet(
    ScopedViewSetMixin,
    TimelineMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """People at customers. Creating one with the e-mail or phone of a contact the customer
    has already is a 409 `duplicate_contact` naming it (`allow_duplicate`: managers only);
    `duplicates/` lists a contact's likely twins and `merge/` merges one into it. A merged
    contact is a tombstone: lists leave it out, its own URL answers with `merged_into`."""

    queryset = Contact.objects.none()
    selector = contact_list
    serializer_class = ContactSerializer
    filterset_fields = ["customer"]
    search_fields = ["name", "phone", "email"]
    ordering_fields = ["id", "name"]
    http_method_names = WRITE_METHODS

    def get_queryset(self):
        if self.action in ("retrieve", "timeline"):
            return contact_list(user=self.request.user, include_merged=True)
        return super().get_queryset()

    def get_serializer_class(self):
        return ContactCreateSerializer if self.action == "create" else ContactSerializer

    @extend_schema(request=ContactCreateSerializer, responses={201: ContactSerializer, **ERRORS})
    def create(self, request, *args, **kwargs):
        return super().create(request, *args, **kwargs)

    def timeline_targets(self, obj):
        return [obj, *Contact.all_objects.filter(merged_into=obj)]

    def create_record(self, data):
        # Only at a customer one may change: the access policy refuses another (a 403).
        allow = data.pop("allow_duplicate", False)
        return contact_create(by=self.request.user, data=data, allow_duplicate=allow)

    @extend_schema(
        responses={200: ContactDuplicateSerializer(many=True), **ERRORS},
        summary="Likely duplicates of this contact at its customer",
    )
    @action(detail=True, methods=["get"], filter_backends=[], pagination_class=None)
    def duplicates(self, request, pk=None):
        """The customer's other contacts with the same normalised e-mail, phone or name."""
        found = contact_duplicates_of(self.get_object())
        rows = [{"id": c.pk, "name": c.name, "phone": c.phone, "email": c.email} for c in found]
        return Response(ContactDuplicateSerializer(rows, many=True).data)

    @extend_schema(
        request=ContactMergeSerializer,
        responses={200: ContactSerializer, **ERRORS},
        summary="Merge a duplicate contact into this one",
    )
    @action(detail=True, methods=["post"], filter_backends=[])
    def merge(self, request, pk=None):
        """Merge the `source` contact (same customer) into this one: its activities, leads and
        decision-chain places move here, blank fields are filled from it, and it stays as a
        tombstone pointing here; both timelines record it. Whoever may change both."""
        target = self.get_object()
        data = ContactMergeSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        source = contact_resolve(user=request.user, pk=data.validated_data["source"])
        if source is None:
            raise NotFound(_("No such contact."), fields={"source": [_("No such contact.")]})
        merged = contact_merge(target=target, source=source, by=request.user)
        return Response(ContactSerializer(merged, context=self.get_serializer_context()).data)

    @extend_schema(
        request=ContactBulkRequestSerializer,
        responses={200: BulkResultSerializer, **ERRORS},
        examples=CONTACT_EXAMPLES,
        summary="Create or update many contacts by external id",
    )
    @action(
        detail=False,
        methods=["post"],
        url_path="bulk-upsert",
        filter_backends=[],
        pagination_class=None,
    )
    def bulk_upsert(self, request):
        """Create or update up to 1,000 contacts by `external_id`, each on its own, with
        per-item results (as for customers). Name the customer by `customer` (id) or
        `customer_external_id`; it must be one you may change."""
        envelope = BulkEnvelopeSerializer(data=request.data)
        envelope.is_valid(raise_exception=True)
        items = envelope.validated_data["items"]
        results = contacts_upsert(
            by=request.user,
            items=items,
            validate=item_validator(
                ContactBulkItemSerializer,
                self.get_serializer_context(),
                prepare=contact_preparer(request.user, items),
            ),
        )
        return Response(BulkResultSerializer(bulk_response(results)).data)

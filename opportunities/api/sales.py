"""API of quotes (CPQ-lite, special-price approval) and bids."""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from core.api.mixins import (
    ERRORS,
    ScopedViewSetMixin,
    TimelineMixin,
    TransitionsMixin,
    requested_version,
    transitions_schema,
)
from core.errors import NotFound
from opportunities.filters import BidFilter, QuoteFilter
from opportunities.models import Bid, BidChecklistItem, BidSection, Quote
from opportunities.selectors import bid_checklist_list, bid_list, bid_section_list, quote_list
from opportunities.services import (
    bid_checklist_add,
    bid_checklist_check,
    bid_checklist_remove,
    bid_create,
    bid_section_update,
    bid_submit,
    bid_update,
    quote_create,
    quote_decide,
    quote_new_version,
    quote_submit,
    quote_update,
    quote_withdraw,
)

from .sales_serializers import (
    BidChecklistCheckSerializer,
    BidChecklistItemSerializer,
    BidSectionSerializer,
    BidSerializer,
    BidSubmitSerializer,
    BidUpdateSerializer,
    QuoteDecisionSerializer,
    QuoteSerializer,
    QuoteSubmitSerializer,
    QuoteUpdateSerializer,
    QuoteWriteSerializer,
)


def _lines(data: dict) -> list[dict] | None:
    lines = data.pop("lines", None)
    return None if lines is None else [dict(line) for line in lines]


@transitions_schema(Quote, QuoteSerializer)
class QuoteViewSet(
    ScopedViewSetMixin,
    TransitionsMixin,
    TimelineMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Quotes: versions with lines priced from the catalogue, totals, tax and margin. Submitting
    approves a quote within your discount authority; beyond it, it waits for special-price
    approval (特价审批) by a pricing approver. The approved quote sets the opportunity's amount.
    `transitions/withdraw` withdraws a draft or pending quote."""

    queryset = Quote.objects.none()
    # The access policy, plus the special prices waiting for (or decided by) the user.
    selector = quote_list
    serializer_class = QuoteSerializer
    filterset_class = QuoteFilter

    ordering_fields = ["id", "total", "submitted_at"]
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_serializer_class(self):
        if self.action == "create":
            return QuoteWriteSerializer
        if self.action in ("update", "partial_update"):
            return QuoteUpdateSerializer
        return QuoteSerializer

    def _fresh(self, pk, status=200):
        obj = self.get_queryset().get(pk=pk)
        return Response(QuoteSerializer(obj, context=self.get_serializer_context()).data, status)

    @extend_schema(request=QuoteWriteSerializer, responses={201: QuoteSerializer, **ERRORS})
    def create(self, request, *args, **kwargs):
        """A new draft quote (the next version) on an opportunity you may change."""
        data = QuoteWriteSerializer(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        lines = _lines(values) or []
        quote = quote_create(
            opportunity=values.pop("opportunity"), by=request.user, lines=lines, data=values
        )
        return self._fresh(quote.pk, 201)

    @extend_schema(request=QuoteUpdateSerializer, responses={200: QuoteSerializer, **ERRORS})
    def partial_update(self, request, *args, **kwargs):
        """Edit a draft: validity, notes, and `lines` (replacing all of them)."""
        quote = self.get_object()
        data = QuoteUpdateSerializer(
            quote, data=request.data, partial=True, context=self.get_serializer_context()
        )
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        lines = _lines(values)
        quote_update(
            quote=quote,
            by=request.user,
            data=values,
            lines=lines,
            expected_version=requested_version(request),
        )
        return self._fresh(quote.pk)

    def run_transition(self, obj, name, data):
        if name != "withdraw":
            return super().run_transition(obj, name, data)
        return quote_withdraw(quote=obj, by=self.request.user, reason=data["reason"])

    @extend_schema(request=QuoteSubmitSerializer, responses={200: QuoteSerializer, **ERRORS})
    @action(detail=True, methods=["post"], filter_backends=[])
    def submit(self, request, pk=None):
        """Submit a draft: approved at once within your discount authority, otherwise sent for
        special-price approval (say why in `justification`)."""
        quote = self.get_object()
        data = QuoteSubmitSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        quote_submit(quote=quote, by=request.user, **data.validated_data)
        return self._fresh(quote.pk)

    @extend_schema(request=QuoteDecisionSerializer, responses={200: QuoteSerializer, **ERRORS})
    @action(detail=True, methods=["post"], filter_backends=[])
    def decision(self, request, pk=None):
        """Approve or reject a special price (pricing approvers only; a rejection needs a
        reason)."""
        quote = self.get_queryset().filter(pk=pk).first()
        if quote is None:
            raise NotFound(_("No such quote."))
        data = QuoteDecisionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        quote_decide(quote=quote, by=request.user, **data.validated_data)
        return self._fresh(quote.pk)

    @extend_schema(request=None, responses={201: QuoteSerializer, **ERRORS})
    @action(detail=True, methods=["post"], url_path="new-version", filter_backends=[])
    def new_version(self, request, pk=None):
        """A new draft version of this quote, re-priced from today's catalogue."""
        quote = self.get_object()
        return self._fresh(quote_new_version(quote=quote, by=request.user).pk, 201)


class BidViewSet(
    ScopedViewSetMixin,
    TimelineMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Bids: deadline, the approved quote, sections with owners (commercial, technical,
    delivery, assembly by the bid office), a checklist, and the submission after ATB said go.
    Reminders go out before the deadline."""

    queryset = Bid.objects.none()
    selector = bid_list
    serializer_class = BidSerializer
    filterset_class = BidFilter
    ordering_fields = ["id", "deadline"]
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_serializer_class(self):
        if self.action in ("update", "partial_update"):
            return BidUpdateSerializer
        return BidSerializer

    def create_record(self, data):
        return bid_create(opportunity=data.pop("opportunity"), by=self.request.user, data=data)

    def update_record(self, instance, data, expected_version):
        data.pop("bid_office", None)
        return bid_update(
            bid=instance, by=self.request.user, data=data, expected_version=expected_version
        )

    def perform_create(self, serializer):
        super().perform_create(serializer)
        serializer.instance = self.get_queryset().get(pk=serializer.instance.pk)

    def perform_update(self, serializer):
        super().perform_update(serializer)
        serializer.instance = self.get_queryset().get(pk=serializer.instance.pk)

    @extend_schema(request=BidSubmitSerializer, responses={200: BidSerializer, **ERRORS})
    @action(detail=True, methods=["post"], filter_backends=[])
    def submit(self, request, pk=None):
        """Record that the bid went in: needs ATB go, every section done, the required
        checklist ticked, the approved quote in it, and the deadline not passed."""
        bid = self.get_object()
        data = BidSubmitSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        bid_submit(bid=bid, by=request.user, **data.validated_data)
        return Response(self.get_serializer(self.get_queryset().get(pk=bid.pk)).data)


class BidSectionViewSet(
    ScopedViewSetMixin,
    mixins.UpdateModelMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Bid sections: their owner updates status and notes; the team reassigns them."""

    queryset = BidSection.objects.none()
    selector = bid_section_list
    serializer_class = BidSectionSerializer
    filterset_fields = ["bid", "owner", "status", "kind"]
    ordering_fields = ["id", "due_at"]
    http_method_names = ["get", "patch", "head", "options"]

    def get_object(self):
        # The service decides: a section's owner may update it without changing the deal.
        return super(ScopedViewSetMixin, self).get_object()

    def update_record(self, instance, data, expected_version):
        return bid_section_update(section=instance, by=self.request.user, data=data)


class BidChecklistViewSet(
    ScopedViewSetMixin,
    mixins.CreateModelMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """A bid's checklist: add, tick (`check`), remove items."""

    queryset = BidChecklistItem.objects.none()
    selector = bid_checklist_list
    serializer_class = BidChecklistItemSerializer
    filterset_fields = ["bid", "done", "required"]
    ordering_fields = ["id", "position"]
    http_method_names = ["get", "post", "delete", "head", "options"]

    def create_record(self, data):
        return bid_checklist_add(
            bid=data["bid"],
            by=self.request.user,
            text=data.get("text", ""),
            required=data.get("required", True),
        )

    def perform_destroy(self, instance):
        bid_checklist_remove(item=instance, by=self.request.user)

    @extend_schema(
        request=BidChecklistCheckSerializer, responses={200: BidChecklistItemSerializer, **ERRORS}
    )
    @action(detail=True, methods=["post"], filter_backends=[])
    def check(self, request, pk=None):
        """Tick or untick the item (the team or a section owner of the bid)."""
        item = self.get_queryset().filter(pk=pk).first()
        if item is None:
            raise NotFound(_("No such checklist item."))
        data = BidChecklistCheckSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        item = bid_checklist_check(item=item, by=request.user, done=data.validated_data["done"])
        return Response(self.get_serializer(item).data)

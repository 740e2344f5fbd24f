"""API of agreement prices (协议价): per customer or partner and product, valid from–to,
approved through the `agreement_price` approval chain; and the price post-mortem report."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from accounts.api.views import ExportMixin
from accounts.models import Customer
from core.api import fields
from core.api.mixins import ERRORS, ScopedViewSetMixin, TimelineMixin
from core.api.serializers import ModelSerializer, RecordSerializer, ScopedPrimaryKeyRelatedField
from core.api.views import IsAdminOrReadOnly
from core.choices import Currency
from core.params import query_params
from opportunities.agreement_imports import agreement_price_export_columns
from opportunities.filters import AgreementPriceFilter
from opportunities.models import AgreementPrice, DiscountTarget, Product
from opportunities.price_report import price_post_mortem
from opportunities.selectors import agreement_price_list
from opportunities.services import (
    agreement_price_create,
    agreement_price_submit,
    discount_target_set,
)
from partners.models import Partner


class AgreementPriceSerializer(RecordSerializer):
    customer_name = serializers.CharField(source="customer.name", read_only=True, default=None)
    partner_name = serializers.CharField(source="partner.name", read_only=True, default=None)
    product_code = serializers.CharField(source="product.code", read_only=True)
    price = fields.MoneyField(read_only=True)

    class Meta:
        model = AgreementPrice
        fields = [
            "id",
            "customer",
            "customer_name",
            "partner",
            "partner_name",
            "product",
            "product_code",
            "price",
            "currency",
            "valid_from",
            "valid_to",
            "state",
            "org_unit",
            "created_by",
            "decided_at",
            "created_at",
            "version",
            "available_transitions",
        ]
        read_only_fields = fields


class AgreementPriceCreateSerializer(serializers.Serializer):
    customer = ScopedPrimaryKeyRelatedField(
        queryset=Customer.objects.all(), required=False, allow_null=True
    )
    partner = ScopedPrimaryKeyRelatedField(
        queryset=Partner.objects.all(), required=False, allow_null=True
    )
    product = serializers.PrimaryKeyRelatedField(queryset=Product.objects.filter(is_active=True))
    price = serializers.DecimalField(max_digits=18, decimal_places=2, min_value=0)
    currency = serializers.ChoiceField(choices=Currency.choices, required=False)
    valid_from = fields.DateField()
    valid_to = fields.DateField(required=False, allow_null=True)


class PricePostMortemRowSerializer(serializers.Serializer):
    product = serializers.IntegerField()
    product_code = serializers.CharField()
    product_name = serializers.CharField()
    rep = serializers.IntegerField()
    rep_name = serializers.CharField()
    currency = serializers.CharField()
    lines = serializers.IntegerField()
    quantity = serializers.DecimalField(max_digits=18, decimal_places=2)
    list_amount = fields.MoneyField()
    achieved_amount = fields.MoneyField()
    discount_pct = serializers.DecimalField(max_digits=7, decimal_places=2, allow_null=True)
    agreed_lines = serializers.IntegerField()
    agreed_amount = fields.MoneyField(allow_null=True)
    achieved_under_agreement = fields.MoneyField(allow_null=True)
    vs_agreement_pct = serializers.DecimalField(max_digits=9, decimal_places=2, allow_null=True)
    target_discount_pct = serializers.DecimalField(
        max_digits=5, decimal_places=2, allow_null=True, help_text="The product line's target."
    )
    within_target = serializers.BooleanField(allow_null=True)


class DiscountTargetSerializer(ModelSerializer):
    class Meta:
        model = DiscountTarget
        fields = ["id", "product_line", "year", "max_discount_pct", "updated_at"]
        read_only_fields = ["updated_at"]
        validators = []  # posting an existing line and year replaces it (the service upserts)


class DiscountTargetViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """The company's discount targets (折扣目标): per product line and year, the deepest
    average discount off list its quotes should reach; the price post-mortem reads each
    product's achieved discount against its line's target. Everyone reads them;
    administrators set them (POST replaces the line's target of the year; audited)."""

    queryset = DiscountTarget.objects.all()
    serializer_class = DiscountTargetSerializer
    permission_classes = [*viewsets.GenericViewSet.permission_classes, IsAdminOrReadOnly]
    filterset_fields = ["product_line", "year"]

    @extend_schema(
        request=DiscountTargetSerializer, responses={201: DiscountTargetSerializer, **ERRORS}
    )
    def create(self, request, *args, **kwargs):
        data = DiscountTargetSerializer(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        target = discount_target_set(by=request.user, **data.validated_data)
        return Response(DiscountTargetSerializer(target).data, 201)


class AgreementPriceViewSet(
    ScopedViewSetMixin,
    TimelineMixin,
    ExportMixin,
    mixins.CreateModelMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Agreement prices (协议价): a customer XOR a partner, a product, a price in the
    product's currency, valid from–to (an empty end is open). A draft is `submit`ted through
    the `agreement_price` approval chain (by default the nearest sales manager over the
    customer's or partner's unit); approved, it binds quotes: a line below it needs the
    special-price approval. Two approved prices of the same customer (partner) and product
    never overlap: 400 `agreement_price_overlap`, naming the other price's id and dates.
    Filter by `customer`, `partner`, `product`, `state` and `valid_on` (a date)."""

    queryset = AgreementPrice.objects.none()
    selector = agreement_price_list
    serializer_class = AgreementPriceSerializer
    filterset_class = AgreementPriceFilter
    ordering_fields = ["id", "valid_from", "price"]
    export_filename = "agreement-prices"

    def export_columns(self):
        return agreement_price_export_columns()

    def _respond(self, price, status=200):
        fresh = self.get_queryset().get(pk=price.pk)
        return Response(self.get_serializer(fresh).data, status)

    @extend_schema(
        request=AgreementPriceCreateSerializer,
        responses={201: AgreementPriceSerializer, **ERRORS},
    )
    def create(self, request, *args, **kwargs):
        data = AgreementPriceCreateSerializer(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        created = agreement_price_create(by=request.user, data=dict(data.validated_data))
        return self._respond(created, 201)

    @extend_schema(request=None, responses={200: AgreementPriceSerializer, **ERRORS})
    @action(detail=True, methods=["post"], filter_backends=[])
    def submit(self, request, pk=None):
        """Ask for approval through the `agreement_price` chain (a draft only; 409 else)."""
        price = self.get_object()
        return self._respond(agreement_price_submit(price=price, by=request.user))

    @extend_schema(
        parameters=[
            OpenApiParameter("start", OpenApiTypes.DATE),
            OpenApiParameter("end", OpenApiTypes.DATE),
        ],
        responses={200: PricePostMortemRowSerializer(many=True), **ERRORS},
        summary="Price post-mortem: achieved vs list vs agreement, by product and rep",
    )
    @action(
        detail=False,
        methods=["get"],
        url_path="post-mortem",
        pagination_class=None,
        filter_backends=[],
    )
    def post_mortem(self, request):
        """On the approved quotes you may see (submitted between `start` and `end`): per
        product, rep and currency the quantity, list and achieved (net) amounts, the discount
        off list, and on lines under the customer's agreement price in force then the agreed
        amount and the achieved price against it (%)."""
        params = query_params(request)
        rows = price_post_mortem(
            user=request.user, start=params.date("start"), end=params.date("end")
        )
        return Response(PricePostMortemRowSerializer(rows, many=True).data)

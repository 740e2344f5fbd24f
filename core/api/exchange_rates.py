"""API of exchange rates: /api/v1/exchange-rates/ (ADR 30). Everyone signed in reads them
(reports convert with them); administrators and finance write them, one by one or in bulk."""

from __future__ import annotations

from django_filters import rest_framework as drf_filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import permissions, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from core import filters, policy
from core.api.fields import DateField
from core.api.serializers import ModelSerializer
from core.rates import (
    CONVERSION_BASES,
    RATE_DIGITS,
    RATE_PLACES,
    ExchangeRate,
    RateSource,
    exchange_rate_create,
    exchange_rate_update,
    exchange_rates_upsert,
)

from .mixins import ERRORS, requested_version


class HandlesMoneyOrReadOnly(permissions.BasePermission):
    """Reading for everyone signed in; writing for administrators and finance."""

    def has_permission(self, request, view):
        return request.method in permissions.SAFE_METHODS or policy.may(
            request.user, "rates.change"
        )


class ExchangeRateSerializer(ModelSerializer):
    rate = serializers.DecimalField(
        max_digits=RATE_DIGITS,
        decimal_places=RATE_PLACES,
        min_value=0,
        help_text="Units of `quote` one unit of `base` buys (positive).",
    )

    class Meta:
        model = ExchangeRate
        fields = ["id", "date", "base", "quote", "rate", "source", "version", "updated_at"]
        read_only_fields = ["version", "updated_at"]
        extra_kwargs = {
            "source": {"required": False},
            "base": {"required": True},
            "quote": {"required": True},
        }
        validators: list = []  # (date, base, quote) is unique: the service answers a twin


class ExchangeRateBulkSerializer(serializers.Serializer):
    items = ExchangeRateSerializer(many=True, max_length=1000, allow_empty=False)


class ExchangeRateResultSerializer(ExchangeRateSerializer):
    result = serializers.ChoiceField(choices=["created", "updated", "unchanged"], read_only=True)

    class Meta(ExchangeRateSerializer.Meta):
        fields = ["result", *ExchangeRateSerializer.Meta.fields]


class ExchangeRateBulkResultSerializer(serializers.Serializer):
    results = ExchangeRateResultSerializer(many=True)


class ExchangeRateFilter(filters.FilterSet):
    date_from = drf_filters.DateFilter(field_name="date", lookup_expr="gte")
    date_to = drf_filters.DateFilter(field_name="date", lookup_expr="lte")

    class Meta:
        model = ExchangeRate
        fields = ["base", "quote", "source", "date"]


@extend_schema_view(
    create=extend_schema(responses={201: ExchangeRateSerializer, **ERRORS}),
    partial_update=extend_schema(responses={200: ExchangeRateSerializer, **ERRORS}),
)
class ExchangeRateViewSet(viewsets.ModelViewSet):
    """Exchange rates, one per day and currency pair (a second is a 400
    `duplicate_exchange_rate`). Filter by `base`, `quote`, `date`, `date_from`, `date_to`.
    Every change is audited with before and after."""

    queryset = ExchangeRate.objects.none()
    serializer_class = ExchangeRateSerializer
    permission_classes = [permissions.IsAuthenticated, HandlesMoneyOrReadOnly]
    filterset_class = ExchangeRateFilter
    ordering_fields = ["date", "base", "quote", "id"]
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        return ExchangeRate.objects.all()

    def perform_create(self, serializer):
        data = {"source": RateSource.API, **serializer.validated_data}
        serializer.instance = exchange_rate_create(by=self.request.user, data=data)

    def perform_update(self, serializer):
        serializer.instance = exchange_rate_update(
            rate=serializer.instance,
            by=self.request.user,
            data=dict(serializer.validated_data),
            expected_version=requested_version(self.request),
        )

    @extend_schema(
        request=ExchangeRateBulkSerializer,
        responses={200: ExchangeRateBulkResultSerializer, **ERRORS},
    )
    @action(detail=False, methods=["post"], url_path="bulk-upsert")
    def bulk_upsert(self, request):
        """Create or update up to 1,000 rates by (date, base, quote) in one transaction: all
        or nothing. The answer gives, per item, `created`, `updated` or `unchanged` and the
        rate."""
        envelope = ExchangeRateBulkSerializer(data=request.data)
        envelope.is_valid(raise_exception=True)
        done = exchange_rates_upsert(
            by=request.user, items=envelope.validated_data["items"], source=RateSource.API
        )
        return Response(
            {
                "results": [
                    {"result": result, **ExchangeRateSerializer(rate).data} for result, rate in done
                ]
            }
        )


class ConvertedTotalSerializer(serializers.Serializer):
    """A total converted into one currency, saying at which rates and what it left out."""

    currency = serializers.CharField(help_text="The currency converted into.")
    amount = serializers.DecimalField(max_digits=20, decimal_places=2)
    rates_basis = serializers.ChoiceField(
        choices=CONVERSION_BASES,
        help_text="`rates_of_day`: every amount at the rates of `rates_of`; `record_dates`: "
        "each at the rate of its record's date.",
    )
    rates_of = DateField(allow_null=True)
    missing_currencies = serializers.ListField(
        child=serializers.CharField(),
        help_text="Currencies with no rate: their amounts are not in `amount`.",
    )
    complete = serializers.BooleanField(help_text="False when a currency could not be converted.")


CONVERSION_PARAMS = [
    OpenApiParameter(
        "convert_to",
        OpenApiTypes.STR,
        description="The currency totals are converted into (default: REPORTING_CURRENCY).",
    ),
    OpenApiParameter(
        "rates_at",
        OpenApiTypes.STR,
        enum=["today", "record"],
        description="Convert at today's rates (default) or at each record's date.",
    ),
]

"""What the partner portal needs beyond the shared endpoints (ADR 21): `GET
/api/v1/portal/me/` (who, which partner, this year's target and attainment, documents
running out, the portal's sections), registering a project by the customer's name, and
withdrawing one's own pending registration. Every other read goes through the ordinary
endpoints, which the access policy narrows to the user's partner."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from django.urls import reverse
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from channels.selectors import partner_rebate_statements
from core import portal as registry
from core.api import fields
from core.api.mixins import ERRORS
from core.choices import Currency
from partners.api.serializers import PartnerRegistrationSerializer

from . import selectors
from .services import own_partner, portal_registration_submit, portal_registration_withdraw


class PortalRegisterSerializer(serializers.Serializer):
    customer_name = serializers.CharField(max_length=200, help_text="Our customer, by its name.")
    project = serializers.CharField(max_length=200)
    product_line = serializers.CharField(max_length=100)
    estimated_amount = fields.MoneyField(required=False, default=0)
    currency = serializers.ChoiceField(choices=Currency.choices, default="CNY")
    description = serializers.CharField(required=False, allow_blank=True, default="")
    contest = serializers.BooleanField(required=False, default=False)


class PortalMeSerializer(serializers.Serializer):
    username = serializers.CharField()
    name = serializers.CharField()
    partner = inline_serializer(
        "PortalPartner",
        {
            "id": serializers.IntegerField(),
            "name": serializers.CharField(),
            "tier": serializers.CharField(),
            "state": serializers.CharField(),
        },
    )
    agreement = inline_serializer(
        "PortalAgreement",
        {
            "year": serializers.IntegerField(),
            "currency": serializers.CharField(),
            "target_amount": serializers.DecimalField(max_digits=18, decimal_places=2),
            "won_amount": serializers.DecimalField(max_digits=18, decimal_places=2),
            "attainment_pct": serializers.DecimalField(
                max_digits=9, decimal_places=1, allow_null=True
            ),
        },
        allow_null=True,
    )
    expiring_documents = serializers.ListField(child=serializers.IntegerField())
    sections = serializers.ListField(child=serializers.DictField(child=serializers.CharField()))


class PortalMeView(APIView):
    """The signed-in partner user and their partner's standing (403 for anyone else)."""

    portal_open = True

    @extend_schema(responses={200: PortalMeSerializer, **ERRORS})
    def get(self, request):
        partner = own_partner(request.user)
        home = selectors.home(request.user)
        agreement, reached = home["agreement"], home["attainment"]
        return Response(
            {
                "username": request.user.username,
                "name": request.user.get_full_name(),
                "partner": {
                    "id": partner.pk,
                    "name": partner.name,
                    "tier": partner.tier,
                    "state": partner.state,
                },
                "agreement": agreement
                and {
                    "year": agreement.year,
                    "currency": agreement.currency,
                    "target_amount": str(reached["target"]),
                    "won_amount": str(reached["won"]),
                    "attainment_pct": None if reached["pct"] is None else str(reached["pct"]),
                },
                "expiring_documents": [d.pk for d in home["expiring"]],
                "sections": [
                    {"key": s.key, "label": str(s.label), "url": reverse(s.url_name)}
                    for s in registry.sections()
                ],
            }
        )


class PortalRegistrationView(APIView):
    """Register a project (项目报备) for one's own partner: the partner is never taken from
    the body; the customer is named by its name (400 `unknown_customer` when we have none)."""

    portal_open = True

    @extend_schema(
        request=PortalRegisterSerializer,
        responses={201: PartnerRegistrationSerializer, **ERRORS},
    )
    def post(self, request):
        data = PortalRegisterSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        created = portal_registration_submit(by=request.user, **data.validated_data)
        row = selectors.registrations(request.user).select_related("partner").get(pk=created.pk)
        context = {"request": request}
        return Response(PartnerRegistrationSerializer(row, context=context).data, status=201)


class PortalWithdrawView(APIView):
    """Withdraw one's own registration while it waits for approval (409 after)."""

    portal_open = True

    @extend_schema(request=None, responses={200: PartnerRegistrationSerializer, **ERRORS})
    def post(self, request, pk: int):
        own_partner(request.user)
        registration = get_object_or_404(selectors.registrations(request.user), pk=pk)
        done = portal_registration_withdraw(by=request.user, registration=registration)
        context = {"request": request}
        return Response(PartnerRegistrationSerializer(done, context=context).data)


class PortalRebateSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    period_start = serializers.DateField()
    period_end = serializers.DateField()
    currency = serializers.CharField()
    volume = fields.MoneyField(help_text="The period's sales the scheme counts.")
    amount = fields.MoneyField(help_text="The statement's rebate.")
    state = serializers.CharField()
    settlement_method = serializers.CharField()
    settlement_reference = serializers.CharField()


class PortalRebatesView(APIView):
    """One's own partner's rebate statements once issued (返利对账单), newest period first:
    drafts still accruing stay ours."""

    portal_open = True

    @extend_schema(responses={200: PortalRebateSerializer(many=True), **ERRORS})
    def get(self, request):
        partner = own_partner(request.user)
        rows = partner_rebate_statements(partner)[:50]
        return Response(PortalRebateSerializer(rows, many=True).data)

"""Filters of the partner lists, shared by the API and the pages."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from core import filters

from .choices import PartnerRegistrationState, PartnerState, PartnerTier
from .models import Partner, PartnerAgreement, PartnerQualification, PartnerRegistration


class PartnerFilter(filters.FilterSet):
    tier = filters.ChoiceFilter(choices=PartnerTier.choices, label=_("Tier"))
    state = filters.ChoiceFilter(choices=PartnerState.choices, label=_("State"))
    q = filters.CharFilter(field_name="name", lookup_expr="icontains", label=_("Name"))

    class Meta:
        model = Partner
        fields = ["tier", "state", "manager", "org_unit"]


class PartnerAgreementFilter(filters.FilterSet):
    class Meta:
        model = PartnerAgreement
        fields = ["partner", "year"]


class PartnerQualificationFilter(filters.FilterSet):
    class Meta:
        model = PartnerQualification
        fields = ["partner", "status", "kind"]


class PartnerRegistrationFilter(filters.FilterSet):
    state = filters.ChoiceFilter(choices=PartnerRegistrationState.choices, label=_("State"))

    class Meta:
        model = PartnerRegistration
        fields = ["state", "partner", "customer"]

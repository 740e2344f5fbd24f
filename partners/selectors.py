"""Reads of channel partners, every one through the access policy (`policy.restrict`)."""

from __future__ import annotations

import datetime as dt

from django.db.models import QuerySet
from django.utils import timezone

from core import policy

from .choices import QualificationStatus
from .models import (
    Partner,
    PartnerAgreement,
    PartnerMember,
    PartnerQualification,
    PartnerRegistration,
)


def partner_list(*, user) -> QuerySet[Partner]:
    return policy.restrict(Partner.objects.select_related("manager", "org_unit"), user, "view")


def agreement_list(*, user) -> QuerySet[PartnerAgreement]:
    return policy.restrict(PartnerAgreement.objects.select_related("partner"), user, "view")


def qualification_list(*, user) -> QuerySet[PartnerQualification]:
    return policy.restrict(
        PartnerQualification.objects.select_related("partner", "reviewed_by"), user, "view"
    )


def partner_registration_list(*, user) -> QuerySet[PartnerRegistration]:
    return policy.restrict(
        PartnerRegistration.objects.select_related(
            "partner", "customer", "protection", "protection__owner", "submitted_by"
        ),
        user,
        "view",
    )


def member_list(*, user) -> QuerySet[PartnerMember]:
    return policy.restrict(PartnerMember.objects.select_related("partner", "user"), user, "view")


def qualified(partner: Partner, on: dt.date | None = None) -> bool:
    """Whether the partner holds a verified qualification in date (资质)."""
    return partner.qualifications.filter(
        status=QualificationStatus.VERIFIED, valid_until__gte=on or timezone.localdate()
    ).exists()


def qualifications_expiring(*, within_days: int) -> QuerySet[PartnerQualification]:
    """Verified documents that run out within `within_days` from today (the reminder job's
    work list; indexed by status and date)."""
    today = timezone.localdate()
    return PartnerQualification.objects.filter(
        status=QualificationStatus.VERIFIED,
        valid_until__gte=today,
        valid_until__lte=today + dt.timedelta(days=within_days),
    ).order_by("pk")

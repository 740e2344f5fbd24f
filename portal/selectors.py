"""What the partner portal shows, every read through the access policy's partner scope
(`policy.restrict`: a partner user's own partner only)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db.models import QuerySet, Sum
from django.utils import timezone

from contracts.models import Contract
from core import policy
from opportunities.choices import Stage
from opportunities.models import Opportunity, Quote
from partners.models import PartnerAgreement, PartnerQualification, PartnerRegistration


def registrations(user) -> QuerySet[PartnerRegistration]:
    rows = PartnerRegistration.objects.select_related("customer", "protection")
    return policy.restrict(rows, user).order_by("-id")


def opportunities(user) -> QuerySet[Opportunity]:
    rows = Opportunity.objects.select_related("customer").order_by("-id")
    return policy.restrict(rows, user)


def quotes(user) -> QuerySet[Quote]:
    rows = Quote.objects.select_related("opportunity", "opportunity__customer").order_by("-id")
    return policy.restrict(rows, user)


def orders(user) -> QuerySet[Contract]:
    return policy.restrict(Contract.objects.select_related("customer").order_by("-id"), user)


def documents(user) -> QuerySet[PartnerQualification]:
    return policy.restrict(PartnerQualification.objects.order_by("valid_until", "id"), user)


def attainment(user, agreement: PartnerAgreement | None) -> dict:
    """This year's target and what the partner reached so far: the amounts of its won
    opportunities closed this year, in the agreement's currency, summed in SQL."""
    if agreement is None:
        return {"target": None, "won": None, "pct": None}
    won = policy.restrict(
        Opportunity.objects.filter(
            state=Stage.WON, closed_at__year=agreement.year, currency=agreement.currency
        ),
        user,
    ).aggregate(total=Sum("amount"))["total"] or Decimal("0")
    target = agreement.target_amount
    pct = (won * 100 / target).quantize(Decimal("0.1")) if target else None
    return {"target": target, "won": won, "pct": pct}


def home(user, today: dt.date | None = None) -> dict:
    """The partner's status, its documents running out, this year's agreement and attainment."""
    today = today or timezone.localdate()
    agreement = policy.restrict(PartnerAgreement.objects.filter(year=today.year), user).first()
    docs = list(documents(user))
    return {
        "agreement": agreement,
        "attainment": attainment(user, agreement),
        "documents": docs,
        "expiring": [d for d in docs if d.valid_until <= today + dt.timedelta(days=30)],
        "pending": registrations(user).filter(state="submitted").count(),
    }

"""Reads on contract execution; every one goes through the access policy."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db.models import Avg, Count, Prefetch, Q, QuerySet
from django.db.models.functions import TruncMonth, TruncQuarter, TruncYear
from django.utils import timezone

from accounts.models import OrgUnit, User
from core import policy
from core.choices import TriangleRole

from .choices import (
    ChangeRequestState,
    DeliveryMilestoneState,
    ReportGrouping,
    ReportPeriod,
)
from .models import (
    ChangeRequest,
    Contract,
    ContractAmendment,
    ContractDocument,
    ContractEvaluation,
    Deliverable,
    DeliveryMilestone,
)


def contract_list(*, user: User) -> QuerySet[Contract]:
    """Contracts the user may see, with what their rows and transition guards read (the team,
    the delivery milestones, the call-off orders) loaded up front."""
    return policy.restrict(
        Contract.objects.select_related(
            "customer",
            "owner",
            "org_unit",
            "framework",
            "renewal_of",
            "atc_review",
            "direct_rule__org_unit",
            "direct_basis_by",
        ).prefetch_related("team__members__user", "delivery_milestones", "call_offs"),
        user,
    )


def contract_page(*, user: User) -> QuerySet[Contract]:
    """One contract with everything its page shows."""
    return policy.restrict(
        Contract.objects.select_related(
            "customer",
            "owner",
            "org_unit",
            "framework",
            "opportunity",
            "atc_review",
            "direct_rule__org_unit",
            "direct_basis_by",
            "renewal_of",
            "sales_confirmed_by",
            "delivery_confirmed_by",
            "evaluation__evaluated_by",
        ),
        user,
    ).prefetch_related(
        "team__members__user",
        "call_offs",
        Prefetch(
            "delivery_milestones",
            queryset=DeliveryMilestone.objects.select_related("owner").prefetch_related(
                "documents"
            ),
        ),
        Prefetch("deliverables", queryset=Deliverable.objects.select_related("owner")),
        Prefetch(
            "change_requests",
            queryset=ChangeRequest.objects.select_related("raised_by", "review").prefetch_related(
                "replans"
            ),
        ),
        Prefetch(
            "amendments",
            queryset=ContractAmendment.objects.select_related("approved_by", "change_request"),
        ),
        Prefetch(
            "documents",
            queryset=ContractDocument.objects.select_related("uploaded_by", "milestone"),
        ),
    )


def deliverable_list(*, user: User) -> QuerySet[Deliverable]:
    return policy.restrict(
        Deliverable.objects.select_related("contract", "owner").prefetch_related(
            "contract__team__members"
        ),
        user,
    )


def milestone_list(*, user: User) -> QuerySet[DeliveryMilestone]:
    return policy.restrict(
        DeliveryMilestone.objects.select_related("contract", "owner").prefetch_related(
            "documents", "contract__team__members"
        ),
        user,
    )


def change_request_list(*, user: User) -> QuerySet[ChangeRequest]:
    return policy.restrict(
        ChangeRequest.objects.select_related(
            "contract", "contract__org_unit", "raised_by", "review", "amendment"
        ).prefetch_related("replans__milestone", "contract__team__members__user"),
        user,
    )


def amendment_list(*, user: User) -> QuerySet[ContractAmendment]:
    return policy.restrict(
        ContractAmendment.objects.select_related("contract", "change_request", "approved_by"),
        user,
    )


def document_list(*, user: User) -> QuerySet[ContractDocument]:
    return policy.restrict(
        ContractDocument.objects.select_related("contract", "milestone", "uploaded_by"), user
    )


def evaluation_list(*, user: User) -> QuerySet[ContractEvaluation]:
    return policy.restrict(
        ContractEvaluation.objects.select_related("contract", "contract__org_unit", "evaluated_by"),
        user,
    )


_TRUNC = {
    ReportPeriod.MONTH: TruncMonth,
    ReportPeriod.QUARTER: TruncQuarter,
    ReportPeriod.YEAR: TruncYear,
}
_AVERAGES = {
    "score": "score",
    "signed_margin_pct": "signed_margin_pct",
    "actual_margin_pct": "actual_margin_pct",
    "schedule_kept_pct": "schedule_kept_pct",
    "average_slip_days": "average_slip_days",
    "days_to_collect": "days_to_collect",
    "collected_pct": "collected_pct",
}


def _rounded(value) -> Decimal | None:
    if value is None:
        return None
    return Decimal(str(value)).quantize(Decimal("0.01"))


def evaluation_report(
    *,
    user: User,
    group: str = ReportGrouping.ORG_UNIT,
    period: str = ReportPeriod.QUARTER,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    org_unit: OrgUnit | None = None,
) -> dict:
    """Averages of the evaluations the user may see, by org unit and/or period (when the
    evaluation was made), computed in SQL; with the overall figures."""
    queryset = policy.restrict(ContractEvaluation.objects.all(), user)
    if date_from:
        queryset = queryset.filter(created_at__date__gte=date_from)
    if date_to:
        queryset = queryset.filter(created_at__date__lte=date_to)
    if org_unit is not None:
        queryset = queryset.filter(contract__org_unit__path__startswith=org_unit.path)
    aggregates = {"contracts": Count("id")}
    aggregates.update({key: Avg(field) for key, field in _AVERAGES.items()})
    keys: list[str] = []
    if group in (ReportGrouping.ORG_UNIT, ReportGrouping.BOTH):
        keys += ["contract__org_unit", "contract__org_unit__name"]
    grouped = queryset
    if group in (ReportGrouping.PERIOD, ReportGrouping.BOTH):
        grouped = grouped.annotate(period=_TRUNC[period]("created_at"))
        keys.append("period")
    rows = []
    for row in grouped.values(*keys).annotate(**aggregates).order_by(*keys):
        entry = {
            "org_unit": row.get("contract__org_unit"),
            "org_unit_name": row.get("contract__org_unit__name"),
            "period": row["period"].date() if row.get("period") else None,
            "contracts": row["contracts"],
        }
        entry.update({key: _rounded(row[key]) for key in _AVERAGES})
        rows.append(entry)
    overall = queryset.aggregate(**aggregates)
    total = {"contracts": overall["contracts"]}
    total.update({key: _rounded(overall[key]) for key in _AVERAGES})
    return {"group": group, "period": period, "rows": rows, "total": total}


def contract_home(user: User) -> dict | None:
    """The home panel: delivery milestones the user owns or runs that are late or due within
    two weeks, and change requests waiting for the user's decision as FR."""
    if not policy.may(user, "contracts.run_delivery"):
        return None
    today = timezone.localdate()
    runs = Q(owner=user) | Q(
        contract__team__members__user=user, contract__team__members__role=TriangleRole.FR
    )
    milestones = list(
        milestone_list(user=user)
        .filter(runs, state=DeliveryMilestoneState.PLANNED)
        .filter(planned_date__lte=today + dt.timedelta(days=14))
        .distinct()
        .order_by("planned_date")[:10]
    )
    changes = list(
        change_request_list(user=user)
        .filter(
            state=ChangeRequestState.RAISED,
            contract__team__members__user=user,
            contract__team__members__role=TriangleRole.FR,
        )
        .order_by("-id")[:10]
    )
    if not milestones and not changes:
        return None
    return {"milestones": milestones, "changes": changes}

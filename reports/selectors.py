"""Reads of saved reports: one's own, and those shared with one or one's team."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils.translation import gettext as _

from accounts.models import OrgUnit
from core.errors import NotFound

from .models import SavedReport


def _unit_ids(user) -> list[int]:
    """The user's org unit and the units above it (a share with a region reaches its teams)."""
    if not user.org_unit_id:
        return []
    path = OrgUnit.objects.filter(pk=user.org_unit_id).values_list("path", flat=True).first()
    return [int(p) for p in (path or "").strip("/").split("/") if p.isdigit()]


def reports_for(user) -> QuerySet[SavedReport]:
    """The reports `user` may read: their own and those shared with them or a unit above them."""
    shares = SavedReport.shared_users.through.objects.filter(
        savedreport_id=OuterRef("pk"), user_id=user.pk
    )
    teams = SavedReport.shared_units.through.objects.filter(
        savedreport_id=OuterRef("pk"), orgunit_id__in=_unit_ids(user)
    )
    return (
        SavedReport.objects.filter(Q(owner=user) | Exists(shares) | Exists(teams))
        .select_related("owner")
        .order_by("name", "id")
    )


def report_for(user, pk) -> SavedReport:
    """One report `user` may read; 404 otherwise (its existence is not disclosed)."""
    raw = str(pk)
    report = None
    if raw.isascii() and raw.isdigit() and len(raw) <= 12:
        report = reports_for(user).filter(pk=int(raw)).first()
    if report is None:
        raise NotFound(_("No such report."))
    return report

"""File imports (CSV/XLSX) and the problems found in their rows."""

from __future__ import annotations

from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.fsm import GuardedStates
from core.models import TimeStampedModel
from core.policy import AccessSpec

from ..choices import (
    ImportStatus,
    IssueLevel,
)
from .people import OrgUnit, User


def import_upload_to(job: ImportJob, filename: str) -> str:
    return f"imports/{timezone.now():%Y/%m}/{job.created_by_id}-{filename[-80:]}"


class ImportJob(TimeStampedModel):
    """An import of customers or leads from a CSV or XLSX file.

    Uploaded → validating → validated (the preview: per-row errors and duplicates, nothing
    written) → importing → done; or failed / cancelled. Large files run as Celery jobs whose
    progress the page polls. The problem rows stay as `ImportIssue`s: the preview and the
    downloadable error report read them.
    """

    #: Finance imports exchange rates (ADR 30): like everyone, it works on the imports it made
    #: (the policy's owner path), not on the reps' imports of its unit's subtree.
    access = AccessSpec(owner="created_by", unit="org_unit")
    #: Its lifecycle, declared once: a machine state moved by guarded updates (ADR 3), audited
    #: where a person cares (checked, started, finished, failed, cancelled).
    moves = GuardedStates(
        "status",
        {
            ImportStatus.UPLOADED: {ImportStatus.VALIDATING, ImportStatus.CANCELLED},
            # validating → validating: a redelivered check task starts the preview again.
            ImportStatus.VALIDATING: {
                ImportStatus.VALIDATING,
                ImportStatus.VALIDATED,
                ImportStatus.FAILED,
            },
            ImportStatus.VALIDATED: {ImportStatus.IMPORTING, ImportStatus.CANCELLED},
            ImportStatus.IMPORTING: {ImportStatus.DONE, ImportStatus.FAILED},
            ImportStatus.FAILED: {ImportStatus.CANCELLED},
        },
    )

    kind = models.CharField(_("what"), max_length=30)
    file = models.FileField(_("file"), upload_to=import_upload_to, max_length=255, blank=True)
    file_name = models.CharField(_("file name"), max_length=255)
    file_format = models.CharField(_("format"), max_length=10)
    file_size = models.PositiveBigIntegerField(_("size"), default=0)
    encoding = models.CharField(_("encoding"), max_length=20, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=ImportStatus.choices, default=ImportStatus.UPLOADED
    )
    mode = models.CharField(_("rows to import"), max_length=10, blank=True)
    rows_total = models.PositiveIntegerField(_("rows"), default=0)
    rows_valid = models.PositiveIntegerField(_("valid rows"), default=0)
    rows_error = models.PositiveIntegerField(_("rows with errors"), default=0)
    rows_duplicate = models.PositiveIntegerField(_("duplicate rows"), default=0)
    rows_created = models.PositiveIntegerField(_("records created"), default=0)
    rows_skipped = models.PositiveIntegerField(_("rows skipped"), default=0)
    progress = models.PositiveIntegerField(_("rows processed"), default=0)
    message = models.TextField(_("message"), blank=True)
    created_by = models.ForeignKey(
        User, verbose_name=_("imported by"), on_delete=models.PROTECT, related_name="+"
    )
    org_unit = models.ForeignKey(
        OrgUnit, verbose_name=_("org unit"), on_delete=models.PROTECT, related_name="+"
    )
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["created_by", "-id"]),
            models.Index(fields=["org_unit", "-id"]),
        ]

    def __str__(self) -> str:
        return f"{self.file_name} ({self.get_status_display()})"

    def get_absolute_url(self) -> str:
        return reverse("imports:detail", args=[self.pk])

    @property
    def is_running(self) -> bool:
        return self.status in (ImportStatus.VALIDATING, ImportStatus.IMPORTING)


class ImportIssue(models.Model):
    """One problem row of an import: its errors by column, or the records it duplicates."""

    job = models.ForeignKey(ImportJob, on_delete=models.CASCADE, related_name="issues")
    row = models.PositiveIntegerField(_("row"))
    level = models.CharField(_("level"), max_length=10, choices=IssueLevel.choices)
    messages = models.JSONField(_("messages"), default=dict)
    matches = models.JSONField(_("matches"), default=list, blank=True)
    data = models.JSONField(_("data"), default=dict)

    class Meta:
        verbose_name = _("import issue")
        verbose_name_plural = _("import issues")
        ordering = ["job", "row"]
        indexes = [models.Index(fields=["job", "level", "row"])]

    def __str__(self) -> str:
        return f"{self.job_id}:{self.row} {self.level}"

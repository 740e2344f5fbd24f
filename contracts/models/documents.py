"""Documents kept as evidence of a contract's execution (the evidence chain collections rely
on): the signed contract, amendments, delivery notes, arrival and acceptance certificates."""

from __future__ import annotations

import uuid
from pathlib import PurePath

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from core.policy import AccessSpec

from ..choices import DocumentKind
from .contract import Contract
from .delivery import DeliveryMilestone


def document_path(document: ContractDocument, filename: str) -> str:
    """A stored name nobody can guess or collide with; the user's name is kept in a field."""
    suffix = PurePath(filename).suffix.lower()
    return f"contracts/{document.contract_id}/{uuid.uuid4().hex}{suffix}"


class ContractDocument(models.Model):
    """A file attached to a contract, optionally to one of its delivery milestones.

    Files live under MEDIA_ROOT and are served only through a view that asks the access
    policy, never from a public media URL. Evidence is not deleted.
    """

    access = AccessSpec(via="contract", finance="change")  # finance keep the evidence chain

    contract = models.ForeignKey(
        Contract, verbose_name=_("contract"), on_delete=models.PROTECT, related_name="documents"
    )
    milestone = models.ForeignKey(
        DeliveryMilestone,
        verbose_name=_("delivery milestone"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="documents",
    )
    kind = models.CharField(_("kind"), max_length=30, choices=DocumentKind.choices)
    title = models.CharField(_("title"), max_length=200, blank=True)
    file = models.FileField(_("file"), upload_to=document_path, max_length=255)
    original_name = models.CharField(_("file name"), max_length=255, editable=False)
    content_type = models.CharField(_("content type"), max_length=100, editable=False)
    size = models.PositiveBigIntegerField(_("size (bytes)"), editable=False)
    sha256 = models.CharField(_("SHA-256"), max_length=64, editable=False)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("uploaded"), auto_now_add=True)

    class Meta:
        verbose_name = _("contract document")
        verbose_name_plural = _("contract documents")
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["contract", "-id"]),
            models.Index(fields=["milestone"]),
            models.Index(fields=["kind", "-id"]),
        ]

    def __str__(self) -> str:
        return self.title or self.original_name

    def get_absolute_url(self) -> str:
        return reverse("contracts:document-download", args=[self.pk])

"""Documents made from a record (quote, bid letter, contract draft, payment request,
authorisation letter): the templates the company edits, its letterhead, the per-kind yearly
counter, and each generated PDF with its content hash and e-signature state (ADR 27)."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, FSMModelMixin, transition

from .choices import DocumentLanguage, RecordDocumentKind, SignatureState


def _new_secret() -> str:
    return secrets.token_urlsafe(32)


class Letterhead(models.Model):
    """The company's letterhead on every document, and the secret an e-signature vendor signs
    its callbacks with. One row (pk 1), made on first use."""

    company_name = models.CharField(_("company name"), max_length=200, blank=True)
    company_name_en = models.CharField(_("company name (English)"), max_length=200, blank=True)
    address = models.CharField(_("address"), max_length=300, blank=True)
    phone = models.CharField(_("phone"), max_length=60, blank=True)
    logo = models.FileField(_("logo (PNG or JPEG)"), upload_to="letterhead/", blank=True)
    signature_secret = models.CharField(
        _("e-signature callback secret"), max_length=100, default=_new_secret, editable=False
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("letterhead")
        verbose_name_plural = _("letterheads")

    def __str__(self) -> str:
        return self.company_name or str(_("letterhead"))


class DocumentTemplate(models.Model):
    """One version of the template of a kind of document in one language (Django template
    syntax, rendered in a sandbox with only the context the kind gives). Editing adds a
    version; the highest is in use; generated documents name the version they came from."""

    kind = models.CharField(_("kind"), max_length=20, choices=RecordDocumentKind.choices)
    language = models.CharField(_("language"), max_length=8, choices=DocumentLanguage.choices)
    version = models.PositiveIntegerField(_("template version"))
    body = models.TextField(_("template"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("edited by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("edited at"), auto_now_add=True)

    class Meta:
        verbose_name = _("document template")
        verbose_name_plural = _("document templates")
        ordering = ["kind", "language", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "language", "version"], name="one_document_template_version"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.language}) v{self.version}"


class DocumentCounter(models.Model):
    """The last number given to a kind of document in a year; taken under a row lock."""

    kind = models.CharField(max_length=20, choices=RecordDocumentKind.choices)
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["kind", "year"], name="one_document_counter")
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.year}: {self.last}"


def generated_path(document: GeneratedDocument, filename: str) -> str:
    return f"documents/{document.kind}/{document.number}-v{document.version}.pdf"


class GeneratedDocument(FSMModelMixin, models.Model):
    """One version of a document made from a record: never overwritten, a new version
    instead. The file is kept through Django's storage API; `sha256` is its content's hash,
    which the e-signature hand-off names and its callback must match."""

    kind = models.CharField(_("kind"), max_length=20, choices=RecordDocumentKind.choices)
    number = models.CharField(_("number"), max_length=30)
    version = models.PositiveIntegerField(_("version"))
    language = models.CharField(_("language"), max_length=8, choices=DocumentLanguage.choices)
    record_type = models.ForeignKey(
        ContentType, verbose_name=_("record type"), on_delete=models.PROTECT, related_name="+"
    )
    record_id = models.PositiveBigIntegerField(_("record"))
    file = models.FileField(_("file"), upload_to=generated_path, max_length=255)
    size = models.PositiveIntegerField(_("size (bytes)"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    template = models.ForeignKey(
        DocumentTemplate,
        verbose_name=_("template"),
        on_delete=models.PROTECT,
        related_name="documents",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("generated by"),
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("generated at"), auto_now_add=True)
    signature_state = FSMField(
        _("signature"),
        max_length=10,
        choices=SignatureState.choices,
        default=SignatureState.NONE,
        protected=True,
    )
    signature_sent_at = models.DateTimeField(_("sent for signature"), null=True, blank=True)
    signature_done_at = models.DateTimeField(_("signature answered"), null=True, blank=True)

    class Meta:
        verbose_name = _("generated document")
        verbose_name_plural = _("generated documents")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["record_type", "record_id", "kind", "version"],
                name="one_generated_document_version",
            ),
            models.UniqueConstraint(
                fields=["kind", "number", "version"], name="one_document_number_version"
            ),
            models.CheckConstraint(condition=Q(version__gte=1), name="document_version_gte_1"),
        ]
        indexes = [models.Index(fields=["record_type", "record_id", "kind"])]

    def __str__(self) -> str:
        return f"{self.number} v{self.version}"

    @property
    def record(self) -> models.Model | None:
        model = self.record_type.model_class()
        return model._default_manager.filter(pk=self.record_id).first()

    @transition(signature_state, source=SignatureState.NONE, target=SignatureState.SENT)
    def send_for_signature(self) -> None:
        """Handed to the e-signature vendor, naming the hash of this very file."""

    @transition(signature_state, source=SignatureState.SENT, target=SignatureState.SIGNED)
    def mark_signed(self) -> None:
        """The vendor reports every party signed."""

    @transition(signature_state, source=SignatureState.SENT, target=SignatureState.DECLINED)
    def mark_declined(self) -> None:
        """The vendor reports a party declined to sign."""

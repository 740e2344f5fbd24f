"""Writes of the documents app: the letterhead, template versions, generating a document
(numbered, versioned, hashed, stored through the storage API), and the e-signature hand-off
and its signed callback (ADR 27)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from pathlib import Path, PurePath

from django.contrib.contenttypes.models import ContentType
from django.core.files.base import ContentFile
from django.db import models, transaction
from django.db.models import F
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from core import locks
from core.audit import audit_record, diff, snapshot
from core.errors import (
    ApplicationError,
    Conflict,
    NotFound,
    TransitionNotAllowed,
    ValidationFailed,
)

from .choices import RecordDocumentKind, SignatureState
from .kinds import KINDS
from .models import DocumentCounter, DocumentTemplate, GeneratedDocument, Letterhead
from .rendering import html_to_pdf
from .sandbox import compile_template, render_template

DEFAULTS = Path(__file__).resolve().parent / "defaults"
SIGNATURE_HEADER = "X-LTC-Signature"
SIGNATURE_TOLERANCE_SECONDS = 300
LETTERHEAD_FIELDS = ["company_name", "company_name_en", "address", "phone", "logo"]


class SignatureInvalid(ApplicationError):
    """A callback whose HMAC signature is missing, wrong or too old: HTTP 401."""

    status = 401
    default_code = "signature_invalid"


# --- the letterhead ----------------------------------------------------------------------


def letterhead_get() -> Letterhead:
    """The company's letterhead (made, with a fresh callback secret, on first use)."""
    return Letterhead.objects.get_or_create(pk=1)[0]


def letterhead_update(*, by, data: dict) -> Letterhead:
    """Change the letterhead; audited with before and after."""
    with transaction.atomic():
        letterhead_get()
        letterhead = Letterhead.objects.select_for_update().get(pk=1)
        before = snapshot(letterhead, LETTERHEAD_FIELDS)
        for name, value in data.items():
            if name in LETTERHEAD_FIELDS and value is not None:
                setattr(letterhead, name, value)
        letterhead.save()
        changes = diff(before, snapshot(letterhead, LETTERHEAD_FIELDS))
        if changes:
            audit_record(target=letterhead, action="letterhead.changed", actor=by, changes=changes)
    return letterhead


def letterhead_rotate_secret(*, by) -> Letterhead:
    """A new e-signature callback secret (the old one stops working at once); audited."""
    with transaction.atomic():
        letterhead_get()
        letterhead = Letterhead.objects.select_for_update().get(pk=1)
        letterhead.signature_secret = Letterhead._meta.get_field("signature_secret").default()
        letterhead.save(update_fields=["signature_secret", "updated_at"])
        audit_record(target=letterhead, action="letterhead.secret_rotated", actor=by)
    return letterhead


# --- templates -----------------------------------------------------------------------------


def default_body(kind: str, language: str) -> str:
    return (DEFAULTS / f"{kind}.{language}.html").read_text(encoding="utf-8")


def template_current(kind: str, language: str) -> DocumentTemplate:
    """The template in use for `kind` in `language`: its highest version, seeded from the
    shipped default (version 1) the first time it is asked for."""
    found = DocumentTemplate.objects.filter(kind=kind, language=language).first()
    if found is not None:
        return found
    with transaction.atomic():
        locks.hold("documents.template", f"{kind}:{language}")
        template, _created = DocumentTemplate.objects.get_or_create(
            kind=kind, language=language, version=1, defaults={"body": default_body(kind, language)}
        )
    return DocumentTemplate.objects.filter(kind=kind, language=language).first() or template


def template_save(*, by, kind: str, language: str, body: str) -> DocumentTemplate:
    """A new version of the template; a template that does not compile in the sandbox is a
    400 `bad_template` and nothing is saved. Audited."""
    if kind not in KINDS:
        raise ValidationFailed(_("Unknown kind of document."), fields={"kind": [_("Unknown.")]})
    compile_template(body)
    with transaction.atomic():
        current = template_current(kind, language)
        locks.hold("documents.template", f"{kind}:{language}")
        current = (
            DocumentTemplate.objects.select_for_update()
            .filter(kind=kind, language=language)
            .first()
        ) or current
        if current.body == body:
            return current
        template = DocumentTemplate.objects.create(
            kind=kind, language=language, version=current.version + 1, body=body, created_by=by
        )
        audit_record(
            target=template,
            action="document_template.changed",
            actor=by,
            changes={"kind": [kind, kind], "version": [current.version, template.version]},
        )
    return template


# --- generating ----------------------------------------------------------------------------


def _next_number(kind: str, year: int) -> str:
    """The next number of `kind` in `year` (QT-2026-000123): the counter row is locked until
    the generating transaction ends, so numbers are consecutive and never given twice."""
    DocumentCounter.objects.bulk_create(
        [DocumentCounter(kind=kind, year=year)], ignore_conflicts=True
    )
    counter = DocumentCounter.objects.select_for_update().get(kind=kind, year=year)
    DocumentCounter.objects.filter(pk=counter.pk).update(last=F("last") + 1)
    counter.refresh_from_db(fields=["last"])
    return f"{KINDS[kind].prefix}-{year}-{counter.last:06d}"


def _logo_data_uri(letterhead: Letterhead) -> str:
    if not letterhead.logo:
        return ""
    suffix = PurePath(letterhead.logo.name).suffix.lower()
    mime = {".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg"}.get(suffix)
    if mime is None:
        return ""
    with letterhead.logo.open("rb") as handle:
        return f"data:{mime};base64,{base64.b64encode(handle.read()).decode()}"


def document_context(*, kind: str, record: models.Model, language: str, number: str, version: int):
    """The whole context a template sees (plain values only), in the document's language."""
    letterhead = letterhead_get()
    with translation.override(language):
        return {
            "company": {
                "name": letterhead.company_name,
                "name_en": letterhead.company_name_en,
                "address": letterhead.address,
                "phone": letterhead.phone,
                "logo": _logo_data_uri(letterhead),
            },
            "document": {
                "number": number,
                "version": version,
                "date": timezone.localdate(),
                "title": str(RecordDocumentKind(kind).label),
            },
            **KINDS[kind].context(record),
        }


def document_generate(*, by, kind: str, record: models.Model, language: str) -> GeneratedDocument:
    """Make the next version of `kind` from `record` as a PDF: the first version takes the
    kind's next number of the year, later ones keep it; the file is stored through the
    storage API and its SHA-256 recorded. Audited on the record."""
    if kind not in KINDS or record._meta.label != KINDS[kind].model_label:
        raise ValidationFailed(
            _("This document is not made from this record."), fields={"kind": [kind]}
        )
    record_type = ContentType.objects.get_for_model(record)
    with transaction.atomic():
        locks.hold("documents.record", f"{record_type.pk}:{record.pk}:{kind}")
        previous = (
            GeneratedDocument.objects.filter(
                record_type=record_type, record_id=record.pk, kind=kind
            )
            .order_by("-version")
            .first()
        )
        version = previous.version + 1 if previous else 1
        number = previous.number if previous else _next_number(kind, timezone.localdate().year)
        template = template_current(kind, language)
        context = document_context(
            kind=kind, record=record, language=language, number=number, version=version
        )
        with translation.override(language):
            pdf = html_to_pdf(render_template(template.body, context), language=language)
        document = GeneratedDocument(
            kind=kind,
            number=number,
            version=version,
            language=language,
            record_type=record_type,
            record_id=record.pk,
            size=len(pdf),
            sha256=hashlib.sha256(pdf).hexdigest(),
            template=template,
            created_by=by,
        )
        document.file.save(f"{number}-v{version}.pdf", ContentFile(pdf), save=False)
        document.save()
        audit_record(
            target=record,
            action="document.generated",
            actor=by,
            changes=_facts(document),
        )
    return document


def _facts(document: GeneratedDocument) -> dict:
    return {
        "document": [None, document.pk],
        "kind": [None, document.kind],
        "number": [None, document.number],
        "version": [None, document.version],
        "sha256": [None, document.sha256],
    }


# --- the e-signature hand-off --------------------------------------------------------------


def document_send_for_signature(*, by, document: GeneratedDocument) -> GeneratedDocument:
    """Record that this very file (its hash) went out for signature; audited on the record."""
    with transaction.atomic():
        document = GeneratedDocument.objects.select_for_update().get(pk=document.pk)
        if document.signature_state != SignatureState.NONE:
            raise TransitionNotAllowed(_("This document was sent for signature already."))
        document.send_for_signature()
        document.signature_sent_at = timezone.now()
        document.save()
        audit_record(
            target=document.record,
            action="document.sent_for_signature",
            actor=by,
            changes=_facts(document),
        )
    return document


def signature_sign(secret: str, timestamp: int, body: bytes) -> str:
    """The header value a vendor sends: `t=<unix time>,v1=<HMAC-SHA256(secret, "<t>.<body>")>`."""
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


def _check_signature(header: str, body: bytes) -> None:
    parts = dict(p.split("=", 1) for p in (header or "").split(",") if "=" in p)
    try:
        timestamp = int(parts.get("t", ""))
    except ValueError:
        timestamp = None
    secret = letterhead_get().signature_secret
    if (
        timestamp is None
        or abs(time.time() - timestamp) > SIGNATURE_TOLERANCE_SECONDS
        or not hmac.compare_digest(signature_sign(secret, timestamp, body), header.strip())
    ):
        raise SignatureInvalid(_("The callback's signature is missing, wrong or too old."))


def signature_callback(*, document_id: int, header: str, body: bytes) -> GeneratedDocument:
    """The vendor's answer: `{"sha256": ..., "state": "signed" | "declined"}`, HMAC-signed
    with the company's secret. The hash must be this document's (409 otherwise); the same
    answer again changes nothing (idempotent); audited on the record."""
    if not 0 < document_id < 2**63:  # no row can have it: nothing to sign for
        raise NotFound(_("No such document."))
    _check_signature(header, body)
    try:
        payload = json.loads(body)
        state, sha256 = payload["state"], payload["sha256"]
    except (ValueError, TypeError, KeyError) as error:
        raise ValidationFailed(
            _('Expected {"sha256": ..., "state": "signed" or "declined"}.')
        ) from error
    if state not in (SignatureState.SIGNED, SignatureState.DECLINED):
        raise ValidationFailed(_("Unknown signature state."), fields={"state": [str(state)]})
    with transaction.atomic():
        document = GeneratedDocument.objects.select_for_update().filter(pk=document_id).first()
        if document is None:
            raise NotFound(_("No such document."))
        if not isinstance(sha256, str) or not hmac.compare_digest(sha256, document.sha256):
            raise Conflict(
                _("The signed file is not this document (its hash differs)."),
                code="document_hash_mismatch",
            )
        if document.signature_state == state:
            return document  # the same answer again: nothing changes
        if document.signature_state != SignatureState.SENT:
            raise TransitionNotAllowed(_("This document is not waiting for a signature."))
        document.mark_signed() if state == SignatureState.SIGNED else document.mark_declined()
        document.signature_done_at = timezone.now()
        document.save()
        audit_record(
            target=document.record,
            action="document.signature_answered",
            changes={**_facts(document), "signature_state": [SignatureState.SENT, state]},
        )
    return document

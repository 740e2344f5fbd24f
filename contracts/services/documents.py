"""Writes on a contract's documents: evidence is uploaded (checked for size and type) and kept.

A file is accepted only when its extension is one we allow and its first bytes say it really
is that kind of file; its content type is ours, never the browser's. Documents are not deleted:
they are the evidence chain (证据链) collections rely on.
"""

from __future__ import annotations

import hashlib
from pathlib import PurePath

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from accounts.models import User
from core import policy
from core.audit import audit_record
from core.errors import Forbidden, ValidationFailed
from core.messages import label, message

from ..choices import DocumentKind
from ..models import Contract, ContractDocument, DeliveryMilestone

_ZIP = (b"PK\x03\x04",)
#: extension -> (content type, the file's possible first bytes)
ALLOWED_TYPES: dict[str, tuple[str, tuple[bytes, ...]]] = {
    ".pdf": ("application/pdf", (b"%PDF-",)),
    ".png": ("image/png", (b"\x89PNG\r\n\x1a\n",)),
    ".jpg": ("image/jpeg", (b"\xff\xd8\xff",)),
    ".jpeg": ("image/jpeg", (b"\xff\xd8\xff",)),
    ".tif": ("image/tiff", (b"II*\x00", b"MM\x00*")),
    ".tiff": ("image/tiff", (b"II*\x00", b"MM\x00*")),
    ".docx": (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        _ZIP,
    ),
    ".xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", _ZIP),
    ".ofd": ("application/ofd", _ZIP),  # 版式文档: Chinese e-invoices and e-certificates
}


def max_document_bytes() -> int:
    return int(getattr(settings, "CONTRACT_DOCUMENT_MAX_BYTES", 20 * 1024 * 1024))


def may_add_documents(user: User, contract: Contract) -> bool:
    """Those who may change the contract, and finance (who keep the evidence chain)."""
    return policy.can(user, contract, "change") or (
        user.is_finance and policy.can(user, contract, "view")
    )


def _checked_type(file: UploadedFile) -> str:
    suffix = PurePath(file.name or "").suffix.lower()
    allowed = ALLOWED_TYPES.get(suffix)
    if allowed is None:
        raise ValidationFailed(
            _("This type of file is not accepted."),
            fields={
                "file": [
                    _("Accepted: %(types)s.")
                    % {"types": ", ".join(sorted(s.lstrip(".") for s in ALLOWED_TYPES))}
                ]
            },
        )
    if not file.size:
        raise ValidationFailed(_("The file is empty."), fields={"file": [_("Empty file.")]})
    if file.size > max_document_bytes():
        raise ValidationFailed(
            _("The file is too large."),
            fields={
                "file": [_("At most %(size)s.") % {"size": filesizeformat(max_document_bytes())}]
            },
        )
    file.seek(0)
    head = file.read(16)
    file.seek(0)
    content_type, signatures = allowed
    if not any(head.startswith(sig) for sig in signatures):
        raise ValidationFailed(
            _("The file's content does not match its name."),
            fields={"file": [_("Not a real %(ext)s file.") % {"ext": suffix.lstrip(".")}]},
        )
    return content_type


def _digest(file: UploadedFile) -> str:
    sha = hashlib.sha256()
    for chunk in file.chunks():
        sha.update(chunk)
    file.seek(0)
    return sha.hexdigest()


def document_upload(
    *,
    contract: Contract,
    by: User,
    file: UploadedFile,
    kind: str,
    title: str = "",
    milestone: DeliveryMilestone | None = None,
) -> ContractDocument:
    """Attach a document to the contract (and to one of its delivery milestones)."""
    if not may_add_documents(by, contract):
        raise Forbidden(_("You may not add documents to this contract."))
    errors = {}
    if kind not in DocumentKind.values:
        errors["kind"] = [_("Choose the kind of document.")]
    if milestone is not None and milestone.contract_id != contract.pk:
        errors["milestone"] = [_("Not a milestone of this contract.")]
    if file is None:
        errors["file"] = [_("Attach the file.")]
    if errors:
        raise ValidationFailed(_("The document is not valid."), fields=errors)
    content_type = _checked_type(file)
    original_name = PurePath(file.name).name[:255]
    document = ContractDocument(
        contract=contract,
        milestone=milestone,
        kind=kind,
        title=(title or "").strip()[:200],
        original_name=original_name,
        content_type=content_type,
        size=file.size,
        sha256=_digest(file),
        uploaded_by=by,
    )
    document.file.save(original_name, file, save=False)
    try:
        with transaction.atomic():
            document.save()
            audit_record(
                target=contract,
                action="document.added",
                actor=by,
                comment=message(
                    "note.document", kind=label(DocumentKind, document.kind), document=document
                ),
            )
    except Exception:
        document.file.delete(save=False)  # a failed upload leaves no file behind
        raise
    return document

"""Writes on a contract's documents: evidence is uploaded (checked for size and type) and kept.

A file is accepted only when its extension is one we allow and its first bytes say it really
is that kind of file (`core.uploads`, the one rule for evidence files); its content type is
ours, never the browser's. Documents are not deleted:
they are the evidence chain (证据链) collections rely on.
"""

from __future__ import annotations

from pathlib import PurePath

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import User
from core import policy
from core.audit import audit_record
from core.errors import Forbidden, ValidationFailed
from core.messages import label, message
from core.uploads import ALLOWED_TYPES, checked_type, file_digest, max_upload_bytes

from ..choices import DocumentKind
from ..models import Contract, ContractDocument, DeliveryMilestone

__all__ = ["ALLOWED_TYPES", "document_upload", "max_document_bytes", "may_add_documents"]


def max_document_bytes() -> int:
    return max_upload_bytes()


def may_add_documents(user: User, contract: Contract) -> bool:
    """Those who may change the contract, and finance (who keep the evidence chain)."""
    return policy.can(user, contract, "change") or (
        user.is_finance and policy.can(user, contract, "view")
    )


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
    content_type = checked_type(file)
    original_name = PurePath(file.name).name[:255]
    document = ContractDocument(
        contract=contract,
        milestone=milestone,
        kind=kind,
        title=(title or "").strip()[:200],
        original_name=original_name,
        content_type=content_type,
        size=file.size,
        sha256=file_digest(file),
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

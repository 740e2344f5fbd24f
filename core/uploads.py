"""Evidence files as every app accepts them: the allowed types checked by their first bytes,
the size limit, the digest, and the download that asks nothing of the browser.

Contract documents (`contracts.ContractDocument`) and partner qualifications
(`partners.PartnerQualification`) keep their files through these, so there is one rule for
what a file upload may be (a content type that is ours, never the browser's).
"""

from __future__ import annotations

import hashlib
from pathlib import PurePath

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.http import FileResponse
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from .errors import NotFound, ValidationFailed

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


def max_upload_bytes() -> int:
    """The largest evidence file accepted (CONTRACT_DOCUMENT_MAX_BYTES, 20 MB by default)."""
    return int(getattr(settings, "CONTRACT_DOCUMENT_MAX_BYTES", 20 * 1024 * 1024))


def checked_type(file: UploadedFile) -> str:
    """The content type of an accepted file; a 400 naming `file` otherwise (an extension we do
    not take, empty, too large, or content that does not match its name)."""
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
    if file.size > max_upload_bytes():
        raise ValidationFailed(
            _("The file is too large."),
            fields={
                "file": [_("At most %(size)s.") % {"size": filesizeformat(max_upload_bytes())}]
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


def file_digest(file: UploadedFile) -> str:
    """The SHA-256 of an uploaded file (kept beside it as evidence it was not changed)."""
    sha = hashlib.sha256()
    for chunk in file.chunks():
        sha.update(chunk)
    file.seek(0)
    return sha.hexdigest()


def file_response(field_file, *, filename: str, content_type: str) -> FileResponse:
    """Send a stored file as an attachment with the type checked at upload."""
    try:
        handle = field_file.open("rb")
    except FileNotFoundError:
        raise NotFound(_("The file is missing from storage.")) from None
    response = FileResponse(
        handle, as_attachment=True, filename=filename, content_type=content_type
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response

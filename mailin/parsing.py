"""Reading a raw e-mail into what the CRM needs, without ever failing on a bad one: an unknown
or broken charset is decoded with replacement characters, a missing header is empty, and
attachments are counted and measured but never kept."""

from __future__ import annotations

import email
import hashlib
import re
from dataclasses import dataclass, field
from email import policy
from email.header import decode_header, make_header
from email.utils import getaddresses, parseaddr

from django.utils.html import strip_tags

#: Where the quoted original starts in a reply (everything from here on is dropped).
QUOTE_MARKERS = re.compile(
    r"^(On .{0,200} wrote:|-{2,} ?Original Message ?-{2,}|From: .*|发件人[:：].*|"
    r"在.{0,100}写道[:：])\s*$",
    re.MULTILINE,
)


@dataclass
class ParsedMail:
    message_id: str = ""
    from_name: str = ""
    from_address: str = ""
    recipients: list[str] = field(default_factory=list)
    subject: str = ""
    text: str = ""
    attachments: int = 0
    attachment_bytes: int = 0


def _header(message, name: str) -> str:
    """A header as text; an undecodable one is read with replacement characters."""
    try:
        value = message.get(name)
        return "" if value is None else str(value)
    except Exception:  # noqa: BLE001 - a malformed header must not stop the message
        raw = message.get_all(name, failobj=[""])[0]
        try:
            return str(make_header(decode_header(str(raw))))
        except Exception:  # noqa: BLE001
            return str(raw).encode("utf-8", "replace").decode("utf-8", "replace")


def _text_of(part) -> str:
    try:
        return part.get_content()
    except (LookupError, UnicodeError, AssertionError, ValueError):
        payload = part.get_payload(decode=True) or b""
        return payload.decode("utf-8", errors="replace")


def _body(message) -> tuple[str, int, int]:
    """(text, attachments, attachment bytes): the plain text (or the HTML's text)."""
    plain, html, count, size = [], [], 0, 0
    for part in message.walk():
        if part.is_multipart():
            continue
        disposition = (part.get_content_disposition() or "").lower()
        kind = part.get_content_type()
        if disposition == "attachment" or not kind.startswith("text/"):
            count += 1
            size += len(part.get_payload(decode=True) or b"")
            continue
        (plain if kind == "text/plain" else html).append(_text_of(part))
    text = "\n".join(plain) if plain else strip_tags("\n".join(html))
    return text.replace("\x00", "").strip(), count, size


def parse(raw: bytes) -> ParsedMail:
    message = email.message_from_bytes(raw, policy=policy.default)
    name, address = parseaddr(_header(message, "From"))
    recipients = [
        addr.lower()
        for _n, addr in getaddresses(
            [_header(message, h) for h in ("To", "Cc", "Delivered-To", "X-Original-To")]
        )
        if "@" in addr
    ]
    text, count, size = _body(message)
    return ParsedMail(
        message_id=_header(message, "Message-ID").strip()[:998],
        from_name=name.strip(),
        from_address=address.strip().lower() if "@" in address else "",
        recipients=recipients,
        subject=" ".join(_header(message, "Subject").split())[:255],
        text=text,
        attachments=count,
        attachment_bytes=size,
    )


def message_key(mail: ParsedMail, raw: bytes) -> str:
    """What makes two arrivals the same message: its Message-ID, else its bytes."""
    basis = mail.message_id.strip("<> ").lower().encode() if mail.message_id else raw
    return hashlib.sha256(basis).hexdigest()


def reply_text(text: str) -> str:
    """A reply without the quoted original under it."""
    match = QUOTE_MARKERS.search(text)
    if match:
        text = text[: match.start()]
    lines = [line for line in text.splitlines() if not line.lstrip().startswith(">")]
    return "\n".join(lines).strip()

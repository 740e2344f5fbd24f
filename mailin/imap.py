"""Reading an inbound mailbox over IMAP (the standard library's imaplib).

Each unread message is fetched without marking it (BODY.PEEK), taken in through
`inbound_mail_process` in its own transaction, and only after that commits marked read (or
moved); a poll that dies in between leaves it unread, and the next poll logs it as a
duplicate instead of acting twice. A message over MAILIN_MAX_MESSAGE_BYTES is not downloaded:
its headers are logged as refused and it stays in the mailbox, marked read."""

from __future__ import annotations

import contextlib
import imaplib
import logging
import re
import ssl
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.utils import timezone

from leads.models import LeadCaptureSource

from .choices import InboundChannel
from .models import Mailbox
from .services import inbound_mail_process, inbound_mail_refuse_too_large

logger = logging.getLogger(__name__)

#: At most this many messages per mailbox per poll, and this many seconds per network call.
MAX_PER_POLL = 200
TIMEOUT = 30
_SIZE = re.compile(rb"RFC822\.SIZE (\d+)")


@dataclass
class MailboxConfig:
    host: str
    port: int
    use_ssl: bool
    username: str
    password: str
    folder: str = "INBOX"
    move_to: str = ""
    source: LeadCaptureSource | None = None
    mailbox: Mailbox | None = None


def config_from_url(url: str, source_prefix: str = "") -> MailboxConfig | None:
    """The MAILIN_IMAP_URL mailbox: imap[s]://user:password@host[:port][/folder]."""
    parts = urlsplit(url)
    if parts.scheme not in ("imap", "imaps") or not parts.hostname:
        return None
    use_ssl = parts.scheme == "imaps"
    source = None
    if source_prefix:
        source = LeadCaptureSource.objects.filter(key_prefix=source_prefix).first()
    return MailboxConfig(
        host=parts.hostname,
        port=parts.port or (993 if use_ssl else 143),
        use_ssl=use_ssl,
        username=unquote(parts.username or ""),
        password=unquote(parts.password or ""),
        folder=unquote(parts.path.lstrip("/")) or "INBOX",
        source=source,
    )


def config_of(mailbox: Mailbox) -> MailboxConfig:
    return MailboxConfig(
        host=mailbox.host,
        port=mailbox.port,
        use_ssl=mailbox.use_ssl,
        username=mailbox.username,
        password=mailbox.password,
        folder=mailbox.folder or "INBOX",
        move_to=mailbox.move_to,
        source=mailbox.source,
        mailbox=mailbox,
    )


def _connect(config: MailboxConfig) -> imaplib.IMAP4:
    if config.use_ssl:
        context = ssl.create_default_context()
        return imaplib.IMAP4_SSL(config.host, config.port, ssl_context=context, timeout=TIMEOUT)
    return imaplib.IMAP4(config.host, config.port, timeout=TIMEOUT)


def _done(client: imaplib.IMAP4, uid: bytes, config: MailboxConfig) -> None:
    """After the message's transaction committed: mark it read, and move it if asked."""
    client.uid("STORE", uid, "+FLAGS", "(\\Seen)")
    if config.move_to:
        client.uid("MOVE", uid, _quoted(config.move_to))


def _take(client: imaplib.IMAP4, uid: bytes, config: MailboxConfig) -> None:
    _status, data = client.uid("FETCH", uid, "(RFC822.SIZE)")
    size_match = _SIZE.search(b" ".join(d for d in data if isinstance(d, bytes)))
    size = int(size_match[1]) if size_match else 0
    if size > settings.MAILIN_MAX_MESSAGE_BYTES:
        _status, data = client.uid("FETCH", uid, "(BODY.PEEK[HEADER])")
        inbound_mail_refuse_too_large(
            headers=data[0][1], size=size, channel=InboundChannel.IMAP, mailbox=config.mailbox
        )
    else:
        _status, data = client.uid("FETCH", uid, "(BODY.PEEK[])")
        inbound_mail_process(
            raw=data[0][1],
            channel=InboundChannel.IMAP,
            mailbox=config.mailbox,
            source=config.source,
        )
    _done(client, uid, config)


def mailbox_poll(config: MailboxConfig) -> int:
    """Take in the mailbox's unread messages (at most MAX_PER_POLL); how many were taken."""
    client = _connect(config)
    taken = 0
    try:
        client.login(config.username, config.password)
        status, _data = client.select(_quoted(config.folder))
        if status != "OK":
            raise imaplib.IMAP4.error(f"cannot open folder {config.folder}")
        _status, data = client.uid("SEARCH", None, "UNSEEN")
        for uid in (data[0] or b"").split()[:MAX_PER_POLL]:
            _take(client, uid, config)
            taken += 1
    finally:
        with contextlib.suppress(OSError, imaplib.IMAP4.error):
            client.logout()
    return taken


def _quoted(folder: str) -> str:
    return '"' + folder.replace("\\", "\\\\").replace('"', '\\"') + '"'


def mailboxes_poll() -> dict[str, int]:
    """Poll every active mailbox (and the MAILIN_IMAP_URL one); a mailbox that fails records
    its error and the others go on."""
    counts: dict[str, int] = {}
    configs = [
        config_of(m) for m in Mailbox.objects.filter(is_active=True).select_related("source")
    ]
    if settings.MAILIN_IMAP_URL:
        from_env = config_from_url(settings.MAILIN_IMAP_URL, settings.MAILIN_LEAD_SOURCE)
        if from_env is not None:
            configs.append(from_env)
    for config in configs:
        name = str(config.mailbox or config.host)
        error = ""
        try:
            counts[name] = mailbox_poll(config)
        except (OSError, imaplib.IMAP4.error, ssl.SSLError) as failure:
            error = str(failure)[:1000] or type(failure).__name__
            logger.warning("mailbox %s could not be read: %s", name, error)
            counts[name] = 0
        if config.mailbox is not None:
            Mailbox.objects.filter(pk=config.mailbox.pk).update(
                last_polled_at=timezone.now(), last_error=error
            )
    return counts

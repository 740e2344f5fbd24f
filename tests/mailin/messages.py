"""Test e-mails as a mail client would send them."""

from __future__ import annotations

from email.message import EmailMessage
from email.utils import make_msgid


def message(
    *,
    sender: str | None = "Zhang Wei <zhang.wei@cmcc-gd.cn>",
    to: str = "sales@ltc.example",
    subject: str = "Need 200 routers for our branches",
    text: str = "We plan to buy 200 routers this quarter. Please call me.",
    message_id: str | None = None,
    attachment: bytes | None = None,
) -> bytes:
    mail = EmailMessage()
    if sender:
        mail["From"] = sender
    mail["To"] = to
    mail["Subject"] = subject
    mail["Message-ID"] = message_id or make_msgid(domain="client.example")
    mail.set_content(text)
    if attachment is not None:
        mail.add_attachment(
            attachment, maintype="application", subtype="octet-stream", filename="big.bin"
        )
    return bytes(mail)


def broken_charset(message_id: str = "<broken@client.example>") -> bytes:
    """A message whose charset does not exist and whose bytes are not valid in any."""
    return (
        b"From: Li Na <li.na@unicom-js.cn>\r\n"
        b"To: sales@ltc.example\r\n"
        b"Subject: =?x-unknown?B?5ZKo6K+i?= quote please\r\n"
        b"Message-ID: " + message_id.encode() + b"\r\n"
        b"MIME-Version: 1.0\r\n"
        b'Content-Type: text/plain; charset="x-unknown-charset"\r\n'
        b"Content-Transfer-Encoding: 8bit\r\n\r\n"
        b"Need \xff\xfe firewalls \xe4\xb8 for 30 sites.\r\n"
    )

"""Inbound mailboxes and the inbound log (one row per message that arrived)."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.models import Activity
from leads.models import Lead, LeadCaptureSource

from .choices import InboundChannel, InboundReason, InboundStatus


class Mailbox(models.Model):
    """An IMAP mailbox the beat job reads. Its messages become leads filed under `source`
    (routed like web-to-lead); replies to notification e-mails may arrive here too. The
    password is write-only: the admin never shows it."""

    name = models.CharField(_("name"), max_length=120)
    host = models.CharField(_("host"), max_length=255)
    port = models.PositiveIntegerField(_("port"), default=993)
    use_ssl = models.BooleanField(_("SSL/TLS"), default=True)
    username = models.CharField(_("user name"), max_length=255)
    password = models.CharField(_("password"), max_length=255, blank=True)
    folder = models.CharField(_("folder"), max_length=255, default="INBOX")
    move_to = models.CharField(
        _("move processed messages to"),
        max_length=255,
        blank=True,
        help_text=_("A folder to move each processed message to; empty: mark it read."),
    )
    source = models.ForeignKey(
        LeadCaptureSource,
        verbose_name=_("lead source"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("New messages become leads of this source; empty: replies only."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    last_polled_at = models.DateTimeField(_("last read"), null=True, blank=True, editable=False)
    last_error = models.TextField(_("last error"), blank=True, editable=False)

    class Meta:
        verbose_name = _("inbound mailbox")
        verbose_name_plural = _("inbound mailboxes")
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name


class InboundMessage(models.Model):
    """One message that came in, by mailbox or webhook, and what became of it.

    `message_key` (the SHA-256 of its Message-ID, or of the whole message without one) is
    unique among the messages acted on, so a message fetched twice (a poll that died before
    marking it read, a provider's retry) makes one lead or comment; the second arrival is a
    row of its own with the status "duplicate"."""

    channel = models.CharField(_("channel"), max_length=10, choices=InboundChannel.choices)
    mailbox = models.ForeignKey(
        Mailbox,
        verbose_name=_("mailbox"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="messages",
    )
    message_key = models.CharField(max_length=64, editable=False)
    message_id = models.CharField(_("Message-ID"), max_length=998, blank=True)
    from_address = models.CharField(_("from"), max_length=254, blank=True)
    subject = models.CharField(_("subject"), max_length=255, blank=True)
    body = models.TextField(_("text"), blank=True)
    size = models.PositiveIntegerField(_("size in bytes"), default=0)
    status = models.CharField(_("status"), max_length=20, choices=InboundStatus.choices)
    reason = models.CharField(
        _("reason"), max_length=30, choices=InboundReason.choices, blank=True, default=""
    )
    detail = models.TextField(_("detail"), blank=True)
    lead = models.ForeignKey(
        Lead, verbose_name=_("lead"), null=True, blank=True, on_delete=models.SET_NULL
    )
    activity = models.ForeignKey(
        Activity, verbose_name=_("comment"), null=True, blank=True, on_delete=models.SET_NULL
    )
    received_at = models.DateTimeField(_("received"), auto_now_add=True)

    class Meta:
        verbose_name = _("inbound message")
        verbose_name_plural = _("inbound messages")
        ordering = ["-received_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["message_key"],
                condition=~Q(status="duplicate"),
                name="inbound_message_once",
            )
        ]
        indexes = [models.Index(fields=["status", "-received_at"])]

    def __str__(self) -> str:
        return f"{self.from_address} · {self.subject}"

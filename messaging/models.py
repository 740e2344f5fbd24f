"""Chat-app channels a company configures, who is who in each app, each person's choices,
the delivery log (one row per notification and channel) and the action links (ADR 24)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .choices import ActionKind, ChannelKind, DeliveryStatus, Vendor


class ChatChannel(models.Model):
    """One way into a chat app, configured by an administrator. `endpoint` is the robot's
    webhook address, or the vendor's API base for application messages; `secret` (the robot's
    signing secret or the application's secret) is written, never answered back."""

    kind = models.CharField(_("kind"), max_length=20, choices=ChannelKind.choices, unique=True)
    name = models.CharField(_("name"), max_length=120)
    enabled = models.BooleanField(_("enabled"), default=True)
    endpoint = models.URLField(_("address"), max_length=500)
    secret = models.CharField(_("secret"), max_length=200, blank=True)
    app_id = models.CharField(
        _("corp id or app key"), max_length=120, blank=True, help_text=_("application kinds")
    )
    agent_id = models.CharField(_("agent id"), max_length=40, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("chat channel")
        verbose_name_plural = _("chat channels")
        ordering = ["kind"]

    def __str__(self) -> str:
        return self.name or self.get_kind_display()


class ChatIdentity(models.Model):
    """A person's id in a chat app (their WeCom userid, DingTalk userId or Feishu open_id)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="chat_identities"
    )
    vendor = models.CharField(_("chat app"), max_length=20, choices=Vendor.choices)
    external_id = models.CharField(_("id in the chat app"), max_length=120)

    class Meta:
        verbose_name = _("chat identity")
        verbose_name_plural = _("chat identities")
        ordering = ["user_id", "vendor"]
        constraints = [
            models.UniqueConstraint(fields=["user", "vendor"], name="chat_identity_once"),
            models.UniqueConstraint(
                fields=["vendor", "external_id"], name="chat_identity_external_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.vendor}:{self.external_id}"


class ChannelPreference(models.Model):
    """A person's choice for one notification kind on one channel (without a row: urgent kinds
    on, the others off)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="channel_preferences"
    )
    kind = models.CharField(_("notification kind"), max_length=60)
    channel = models.ForeignKey(ChatChannel, on_delete=models.CASCADE, related_name="+")
    enabled = models.BooleanField(_("send"), default=True)

    class Meta:
        verbose_name = _("channel preference")
        verbose_name_plural = _("channel preferences")
        ordering = ["kind", "channel_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "kind", "channel"], name="channel_preference_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} @ {self.channel_id}: {self.enabled}"


class ChatDelivery(models.Model):
    """One notification sent on one channel: claimed before sending, so it goes out once."""

    # No foreign key in the database: notifications are partitioned by month on PostgreSQL,
    # their key (id, created_at); Django cascades a deletion all the same (ADR 37).
    notification = models.ForeignKey(
        "ltc.Notification",
        on_delete=models.CASCADE,
        related_name="chat_deliveries",
        db_constraint=False,
    )
    channel = models.ForeignKey(ChatChannel, on_delete=models.CASCADE, related_name="deliveries")
    status = models.CharField(
        _("status"), max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.QUEUED
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), default=timezone.now)
    claimed_at = models.DateTimeField(_("claimed"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    errcode = models.CharField(_("vendor code"), max_length=40, blank=True)
    errmsg = models.CharField(_("vendor message"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("chat delivery")
        verbose_name_plural = _("chat deliveries")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["notification", "channel"], name="chat_delivery_once")
        ]
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                condition=Q(status__in=["queued", "retrying"]),
                name="chat_delivery_due",
            )
        ]

    def __str__(self) -> str:
        return f"{self.notification_id} @ {self.channel_id}: {self.status}"


class ActionLink(models.Model):
    """A single-use, short-lived link to decide one approval or gate from a chat message. Only
    the token's SHA-256 is kept; the person it was sent to must still be signed in to use it."""

    token_hash = models.CharField(max_length=64, unique=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(_("kind"), max_length=10, choices=ActionKind.choices)
    object_id = models.PositiveBigIntegerField()
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires"))
    used_at = models.DateTimeField(_("used"), null=True, blank=True)

    class Meta:
        verbose_name = _("action link")
        verbose_name_plural = _("action links")

    def __str__(self) -> str:
        return f"{self.kind} {self.object_id}"

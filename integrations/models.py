"""API keys for systems, idempotent POSTs and webhook subscriptions with their delivery log."""

from __future__ import annotations

import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.fsm import GuardedStates

from .scopes import ALL_SCOPES

RATE_PATTERN = re.compile(r"^\d+/(s|sec|second|m|min|minute|h|hour|d|day)$")


def validate_rate(value: str) -> None:
    if not RATE_PATTERN.match(value or ""):
        raise ValidationError(_("Write a rate like 600/minute, 10/second or 10000/day."))


def validate_scopes(value) -> None:
    if not isinstance(value, list) or not all(isinstance(s, str) for s in value):
        raise ValidationError(_('Scopes are a list like ["leads:read"].'))
    unknown = sorted(set(value) - set(ALL_SCOPES))
    if unknown:
        raise ValidationError(_("Unknown scopes: %(scopes)s.") % {"scopes": ", ".join(unknown)})


class ApiKey(models.Model):
    """A system's credential (ERP, BI, chat bot). It acts as its service `user`, so the
    access policy still decides which rows it sees; its scopes decide which areas it may read
    or write. Only a hash of the secret is stored; the secret is shown once, at creation."""

    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(_("prefix"), max_length=16, unique=True, editable=False)
    secret_hash = models.CharField(_("secret hash"), max_length=64, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("acts as"),
        on_delete=models.PROTECT,
        related_name="api_keys",
        help_text=_("The service user whose access the key has."),
    )
    scopes = models.JSONField(_("scopes"), default=list, validators=[validate_scopes])
    rate_limit = models.CharField(
        _("rate limit"), max_length=20, default="600/minute", validators=[validate_rate]
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("API key")
        verbose_name_plural = _("API keys")
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix})"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class IdempotencyRecord(models.Model):
    """The first result of a POST sent with an `Idempotency-Key`, replayed to its retries.

    `owner` names who sent it (a hash of the credential, or the signed-in user), so two
    clients choosing the same key never see each other's results. A row without a status is
    a request still in flight."""

    owner = models.CharField(_("owner"), max_length=80)
    key = models.CharField(_("idempotency key"), max_length=255)
    method = models.CharField(_("method"), max_length=10)
    path = models.CharField(_("path"), max_length=500)
    request_hash = models.CharField(_("request hash"), max_length=64)
    status_code = models.PositiveSmallIntegerField(_("status"), null=True, blank=True)
    content_type = models.CharField(_("content type"), max_length=100, blank=True)
    response_body = models.TextField(_("response body"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("idempotent request")
        verbose_name_plural = _("idempotent requests")
        constraints = [
            models.UniqueConstraint(fields=["owner", "key"], name="idempotency_owner_key_unique")
        ]

    def __str__(self) -> str:
        return f"{self.method} {self.path} [{self.key}]"


class WebhookSubscription(models.Model):
    """A system's endpoint told about business events. It receives an event only if its
    `user` may see the record the event is about (the access policy), so a subscription can
    never leak what its owner could not read through the API."""

    name = models.CharField(_("name"), max_length=100)
    url = models.URLField(_("URL"), max_length=500)
    secret = models.CharField(_("signing secret"), max_length=64, editable=False)
    events = models.JSONField(_("events"), default=list)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("acts as"),
        on_delete=models.PROTECT,
        related_name="webhook_subscriptions",
        help_text=_("Events are sent only for records this user may see."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("webhook subscription")
        verbose_name_plural = _("webhook subscriptions")
        ordering = ["-id"]

    def __str__(self) -> str:
        return self.name


class WebhookEvent(models.Model):
    """One business event as published to webhooks: its name and its JSON payload.
    `dedupe_key` makes an event found by a periodic scan (milestone.due) publish once."""

    name = models.CharField(_("event"), max_length=50, db_index=True)
    payload = models.JSONField(_("payload"))
    dedupe_key = models.CharField(max_length=100, unique=True, null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("webhook event")
        verbose_name_plural = _("webhook events")
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"{self.name} #{self.pk}"


class DeliveryState(models.TextChoices):
    PENDING = "pending", _("Pending")
    DELIVERED = "delivered", _("Delivered")
    FAILED = "failed", _("Failed")


class WebhookDelivery(models.Model):
    """Sending one event to one subscription: its attempts, their outcome, and replays."""

    #: Its lifecycle, declared once: a machine state moved by guarded updates, one per attempt
    #: (ADR 3); only a delivery that failed for good is audited (on its subscription).
    moves = GuardedStates(
        "state",
        {
            # pending → pending: an attempt failed and another is due.
            DeliveryState.PENDING: {
                DeliveryState.PENDING,
                DeliveryState.DELIVERED,
                DeliveryState.FAILED,
            },
        },
    )

    event = models.ForeignKey(
        WebhookEvent, verbose_name=_("event"), on_delete=models.CASCADE, related_name="deliveries"
    )
    subscription = models.ForeignKey(
        WebhookSubscription,
        verbose_name=_("subscription"),
        on_delete=models.CASCADE,
        related_name="deliveries",
    )
    replay_of = models.ForeignKey(
        "self",
        verbose_name=_("replay of"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="replays",
    )
    state = models.CharField(
        _("state"), max_length=10, choices=DeliveryState.choices, default=DeliveryState.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_status = models.PositiveSmallIntegerField(_("last HTTP status"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    #: One entry per attempt: {"at", "status", "error", "retry_in"}.
    log = models.JSONField(_("attempt log"), default=list)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)

    class Meta:
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        ordering = ["-id"]
        indexes = [models.Index(fields=["subscription", "state"])]
        constraints = [
            models.UniqueConstraint(
                fields=["event", "subscription"],
                condition=models.Q(replay_of__isnull=True),
                name="webhook_delivery_once_per_subscription",
            )
        ]

    def __str__(self) -> str:
        return f"{self.event} → {self.subscription}"

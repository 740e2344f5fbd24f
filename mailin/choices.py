from django.db import models
from django.utils.translation import gettext_lazy as _


class InboundChannel(models.TextChoices):
    IMAP = "imap", _("Mailbox (IMAP)")
    WEBHOOK = "webhook", _("Webhook")


class InboundStatus(models.TextChoices):
    LEAD_CREATED = "lead_created", _("Lead created")
    COMMENT_ADDED = "comment_added", _("Comment added")
    DUPLICATE = "duplicate", _("Duplicate message")
    IGNORED = "ignored", _("Ignored")
    REFUSED = "refused", _("Refused")


class InboundReason(models.TextChoices):
    """Why a message was ignored or refused, or what was done to it on the way in."""

    NONE = "", _("—")
    NO_FROM = "no_from", _("No sender address")
    INVALID = "invalid", _("Not enough to make a lead")
    NO_SOURCE = "no_source", _("No lead source for this mailbox")
    FORGED_TOKEN = "forged_token", _("Reply address not signed by us")
    UNKNOWN_NOTIFICATION = "unknown_notification", _("The notification no longer exists")
    SENDER_MISMATCH = "sender_mismatch", _("Sent by someone else than the notified person")
    NOT_ALLOWED = "not_allowed", _("The person may not comment on this record")
    TOO_LARGE = "too_large", _("Message too large")
    ATTACHMENTS_STRIPPED = "attachments_stripped", _("Attachments not kept")

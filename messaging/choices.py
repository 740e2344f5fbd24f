"""The chat apps a company can reach its people in, and the states of a message to one."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Vendor(models.TextChoices):
    WECOM = "wecom", _("WeCom")
    DINGTALK = "dingtalk", _("DingTalk")
    FEISHU = "feishu", _("Feishu")


class ChannelKind(models.TextChoices):
    """How a message reaches the chat app: a group robot (one webhook per group, the person
    mentioned in it) or the company's own application (straight to the person)."""

    WECOM_ROBOT = "wecom_robot", _("WeCom group robot")
    WECOM_APP = "wecom_app", _("WeCom application message")
    DINGTALK_ROBOT = "dingtalk_robot", _("DingTalk custom robot")
    DINGTALK_WORK = "dingtalk_work", _("DingTalk work notification")
    FEISHU_BOT = "feishu_bot", _("Feishu custom bot")


VENDOR_OF = {
    ChannelKind.WECOM_ROBOT: Vendor.WECOM,
    ChannelKind.WECOM_APP: Vendor.WECOM,
    ChannelKind.DINGTALK_ROBOT: Vendor.DINGTALK,
    ChannelKind.DINGTALK_WORK: Vendor.DINGTALK,
    ChannelKind.FEISHU_BOT: Vendor.FEISHU,
}

#: Kinds that address one person by their id in the chat app (nothing to send without it).
PERSONAL_KINDS = frozenset({ChannelKind.WECOM_APP, ChannelKind.DINGTALK_WORK})


class DeliveryStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    RETRYING = "retrying", _("Retrying")
    FAILED = "failed", _("Failed")


#: A delivery in one of these may be claimed by a sender.
CLAIMABLE = (DeliveryStatus.QUEUED, DeliveryStatus.RETRYING)


class ActionKind(models.TextChoices):
    APPROVAL = "approval", _("Approval")
    GATE = "gate", _("Gate decision")

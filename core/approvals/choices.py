"""The vocabulary of approval chains: kinds of approval, approver types, modes, outcomes."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ApprovalKind(models.TextChoices):
    """What is being approved; an administrator defines one chain per kind."""

    SPECIAL_PRICE = "special_price", _("Special price")
    NEW_CUSTOMER = "new_customer", _("New customer")
    CONTRACT_CHANGE = "contract_change", _("Contract change")
    WRITE_OFF = "write_off", _("Write-off")
    DIRECT_CONTRACT = "direct_contract", _("Direct contract")
    DISCOUNT = "discount", _("Discount beyond a rule")
    REFUND = "refund", _("Large refund")
    GATE_DECISION = "gate_decision", _("Gate decision")
    ESCALATED_GATE = "escalated_gate", _("Escalated gate")
    PARTNER_ADMISSION = "partner_admission", _("Partner admission")
    PARTNER_REGISTRATION = "partner_registration", _("Partner project registration")
    AGREEMENT_PRICE = "agreement_price", _("Agreement price")
    CREDIT_SPLIT = "credit_split", _("Credit split")


class ApproverType(models.TextChoices):
    """Who approves a step: a role in the requester's org chain, a named person, a seat of the
    subject's iron triangle, or an approver the subject's app names (its rule as it stands)."""

    ROLE = "role", _("Role in the org chain")
    USER = "user", _("Named person")
    SEAT = "seat", _("Iron-triangle seat")
    RESOLVER = "resolver", _("Set by the approval's rule")


class ApprovalMode(models.TextChoices):
    ANY_OF = "any_of", _("Any one of them")
    ALL_OF = "all_of", _("All of them")


class RoleLevel(models.TextChoices):
    """Which level of the org chain a role approver is taken from."""

    NEAREST = "nearest", _("Nearest level above the record")
    OFFICE = "office", _("Representative office")
    REGION = "region", _("Regional department")
    ANY = "any", _("Any level above the record")


class ApprovalState(models.TextChoices):
    PENDING = "pending", _("Awaiting a decision")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    SENT_BACK = "sent_back", _("Sent back for rework")
    WITHDRAWN = "withdrawn", _("Withdrawn")


OPEN_APPROVAL_STATES = (ApprovalState.PENDING, ApprovalState.SENT_BACK)


class ApprovalDecision(models.TextChoices):
    APPROVE = "approve", _("Approve")
    REJECT = "reject", _("Reject")
    SEND_BACK = "send_back", _("Send back for rework")


class TaskOutcome(models.TextChoices):
    """What became of one approver's task ("" while it waits)."""

    WAITING = "", _("Waiting")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    SENT_BACK = "sent_back", _("Sent back")
    CLOSED = "closed", _("Closed: decided by another")


class NoticeKind(models.TextChoices):
    REMINDER = "reminder", _("Reminder")
    ESCALATION = "escalation", _("Escalation")

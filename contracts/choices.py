from django.db import models
from django.utils.translation import gettext_lazy as _


class ContractState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SIGNED = "signed", _("Signed")
    ACCEPTED = "accepted", _("Accepted and confirmed")
    IN_DELIVERY = "in_delivery", _("In delivery")
    DELIVERED = "delivered", _("Delivered (accepted by customer)")
    CLOSED = "closed", _("Closed")
    EVALUATED = "evaluated", _("Evaluated")
    SUSPENDED = "suspended", _("Suspended")
    TERMINATED = "terminated", _("Terminated")


ACTIVE_STATES = [
    ContractState.SIGNED,
    ContractState.ACCEPTED,
    ContractState.IN_DELIVERY,
    ContractState.DELIVERED,
]

#: States in which a call-off order no longer holds up its framework's delivery.
DELIVERED_STATES = [
    ContractState.DELIVERED,
    ContractState.CLOSED,
    ContractState.EVALUATED,
    ContractState.TERMINATED,
]

#: States in which a contract's execution is over.
FINISHED_STATES = [ContractState.CLOSED, ContractState.EVALUATED, ContractState.TERMINATED]


class ContractKind(models.TextChoices):
    STANDARD = "standard", _("Contract")
    FRAMEWORK = "framework", _("Framework agreement")
    CALL_OFF = "call_off", _("Call-off order")


class DirectBasis(models.TextChoices):
    """Why a contract may be signed without an ATC of its own (a `DirectContractRule` allows
    it): an order under a signed framework, the renewal of a signed contract, a small order,
    or a framework agreement (whose call-offs carry the amounts)."""

    CALL_OFF = "call_off", _("Framework call-off")
    RENEWAL = "renewal", _("Renewal")
    SMALL_ORDER = "small_order", _("Small order")
    FRAMEWORK = "framework", _("Framework agreement")


class DeliveryMilestoneKind(models.TextChoices):
    """The delivery steps; arrival and acceptance make their payment milestones due."""

    SHIPMENT = "shipment", _("Shipment")
    ARRIVAL = "arrival", _("Arrival")
    INSTALLATION = "installation", _("Installation")
    ACCEPTANCE = "acceptance", _("Customer acceptance")
    WARRANTY_START = "warranty_start", _("Warranty start")
    WARRANTY_END = "warranty_end", _("Warranty end")


#: Milestones that make up the delivery itself (the customer's acceptance ends it); the
#: warranty ones follow after it.
DELIVERY_KINDS = [
    DeliveryMilestoneKind.SHIPMENT,
    DeliveryMilestoneKind.ARRIVAL,
    DeliveryMilestoneKind.INSTALLATION,
    DeliveryMilestoneKind.ACCEPTANCE,
]

#: Milestones that trigger a payment: they need a document as evidence before they are reached.
EVIDENCE_KINDS = [DeliveryMilestoneKind.ARRIVAL, DeliveryMilestoneKind.ACCEPTANCE]


class DeliveryMilestoneState(models.TextChoices):
    PLANNED = "planned", _("Planned")
    REACHED = "reached", _("Reached")
    CANCELLED = "cancelled", _("Cancelled")


class DeliverableState(models.TextChoices):
    PLANNED = "planned", _("Planned")
    IN_PROGRESS = "in_progress", _("In progress")
    DONE = "done", _("Done")
    CANCELLED = "cancelled", _("Cancelled")


class ChangeRequestState(models.TextChoices):
    RAISED = "raised", _("Raised")
    IN_REVIEW = "in_review", _("In review")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    DECLINED = "declined", _("Declined")
    WITHDRAWN = "withdrawn", _("Withdrawn")


OPEN_CHANGE_STATES = [ChangeRequestState.RAISED, ChangeRequestState.IN_REVIEW]


class DocumentKind(models.TextChoices):
    SIGNED_CONTRACT = "signed_contract", _("Signed contract")
    AMENDMENT = "amendment", _("Signed amendment")
    DELIVERY_NOTE = "delivery_note", _("Delivery note")
    ARRIVAL_CERTIFICATE = "arrival_certificate", _("Arrival certificate")
    INSTALLATION_REPORT = "installation_report", _("Installation report")
    ACCEPTANCE_CERTIFICATE = "acceptance_certificate", _("Acceptance certificate")
    CORRESPONDENCE = "correspondence", _("Correspondence")
    OTHER = "other", _("Other")


class AcceptanceRating(models.TextChoices):
    SMOOTH = "smooth", _("Smooth")
    MINOR_ISSUES = "minor_issues", _("Minor issues")
    DIFFICULT = "difficult", _("Difficult")


class ReportGrouping(models.TextChoices):
    ORG_UNIT = "org_unit", _("Org unit")
    PERIOD = "period", _("Period")
    BOTH = "both", _("Org unit and period")


class ReportPeriod(models.TextChoices):
    MONTH = "month", _("Month")
    QUARTER = "quarter", _("Quarter")
    YEAR = "year", _("Year")

"""The models of contract execution (MCE), one module per part."""

from .changes import ChangeReplan, ChangeRequest, ContractAmendment
from .contract import Contract
from .delivery import Deliverable, DeliveryLateNotice, DeliveryMilestone
from .direct import DirectContractRule
from .documents import ContractDocument
from .evaluation import ContractEvaluation

__all__ = [
    "ChangeReplan",
    "ChangeRequest",
    "Contract",
    "ContractAmendment",
    "ContractDocument",
    "ContractEvaluation",
    "Deliverable",
    "DirectContractRule",
    "DeliveryLateNotice",
    "DeliveryMilestone",
]

"""The contract pages, one module per part."""

from .changes import (
    ChangeRequestCreatePage,
    ChangeRequestEditPage,
    ChangeRequestPage,
    ChangeRequestTransitionPage,
)
from .contracts import (
    CloseReviewOpenPage,
    ContractConfirmPage,
    ContractCreatePage,
    ContractEditPage,
    ContractListPage,
    ContractPage,
    ContractTeamPage,
    ContractTransitionPage,
)
from .delivery import (
    DeliverableCreatePage,
    DeliverableEditPage,
    DeliverableTransitionPage,
    MilestoneCreatePage,
    MilestoneEditPage,
    MilestoneReachPage,
    MilestoneTransitionPage,
)
from .documents import DocumentUploadPage, document_download
from .evaluation import EvaluationPage, EvaluationReportPage

__all__ = [
    "ChangeRequestCreatePage",
    "ChangeRequestEditPage",
    "ChangeRequestPage",
    "ChangeRequestTransitionPage",
    "CloseReviewOpenPage",
    "ContractConfirmPage",
    "ContractCreatePage",
    "ContractEditPage",
    "ContractListPage",
    "ContractPage",
    "ContractTeamPage",
    "ContractTransitionPage",
    "DeliverableCreatePage",
    "DeliverableEditPage",
    "DeliverableTransitionPage",
    "DocumentUploadPage",
    "EvaluationPage",
    "EvaluationReportPage",
    "MilestoneCreatePage",
    "MilestoneEditPage",
    "MilestoneReachPage",
    "MilestoneTransitionPage",
    "document_download",
]

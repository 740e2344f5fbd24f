"""Writes on contract execution, one module per part; every service is importable from here."""

from .changes import (
    change_approve,
    change_reject,
    change_request_create,
    change_request_transition,
    change_request_update,
    change_rework,
)
from .closing import close_blockers, close_checklist, close_review_open, contract_close
from .contracts import (
    contract_confirm,
    contract_create,
    contract_create_from_opportunity,
    contract_team_set,
    contract_transition,
    contract_update,
)
from .delivery import (
    deliverable_create,
    deliverable_transition,
    deliverable_update,
    milestone_create,
    milestone_reach,
    milestone_transition,
    milestone_update,
)
from .direct import direct_rule_create, direct_rule_update
from .documents import document_upload, may_add_documents
from .evaluation import contract_evaluate, evaluation_figures, evaluation_score

__all__ = [
    "direct_rule_create",
    "direct_rule_update",
    "change_approve",
    "change_reject",
    "change_request_create",
    "change_request_transition",
    "change_request_update",
    "change_rework",
    "close_blockers",
    "close_checklist",
    "close_review_open",
    "contract_close",
    "contract_confirm",
    "contract_create",
    "contract_create_from_opportunity",
    "contract_evaluate",
    "contract_team_set",
    "contract_transition",
    "contract_update",
    "deliverable_create",
    "deliverable_transition",
    "deliverable_update",
    "document_upload",
    "evaluation_figures",
    "evaluation_score",
    "may_add_documents",
    "milestone_create",
    "milestone_reach",
    "milestone_transition",
    "milestone_update",
]

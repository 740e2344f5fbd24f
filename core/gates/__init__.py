"""The review-gate engine shared by opportunities (ATI, ATB, ATC) and contracts (change, close).

A gate review is opened on a subject whose iron triangle is complete. AR, SR and FR each
submit an assessment answering the topics of their seat at that gate. A sales manager with
authority decides go, stop or hold. Authority rules (margin, size, payment terms, high risk)
escalate a gate to the representative office; then only a manager there or above may decide.

Apps register their gated models with `register_subject`; the engine never imports them.

One module per part: `config` (seats, topics, registered subjects), `authority` (who may
decide), `services` (open, assess, decide, withdraw), `selectors` (reads). Import from here.
"""

from .authority import authority_rule_for, deciders, escalation_reasons, managers_over, may_decide
from .config import (
    AR,
    FACT_LABELS,
    FR,
    GATE_TOPICS,
    SEATS,
    SR,
    GateSubject,
    register_subject,
    registered,
    subject_adapter,
)
from .decision import decision_refresh, decision_request, gate_may_decide
from .selectors import (
    facts_display,
    has_go,
    reviews_of,
    reviews_raised_in_team,
    reviews_to_assess,
    reviews_to_decide,
    reviews_waiting_for,
)
from .services import gate_assess, gate_decide, gate_open, gate_withdraw_open, review_url

__all__ = [
    "AR",
    "FACT_LABELS",
    "FR",
    "GATE_TOPICS",
    "SEATS",
    "SR",
    "GateSubject",
    "authority_rule_for",
    "deciders",
    "decision_refresh",
    "decision_request",
    "escalation_reasons",
    "facts_display",
    "gate_assess",
    "gate_decide",
    "gate_may_decide",
    "gate_open",
    "gate_withdraw_open",
    "has_go",
    "managers_over",
    "may_decide",
    "register_subject",
    "registered",
    "review_url",
    "reviews_of",
    "reviews_raised_in_team",
    "reviews_to_assess",
    "reviews_to_decide",
    "reviews_waiting_for",
    "subject_adapter",
]

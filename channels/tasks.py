"""Celery jobs of rebates: close ended periods into issued statements, exactly once."""

from __future__ import annotations

from celery import shared_task
from django.utils import timezone

from .models import RebateStatement
from .services import statement_issue, statements_build, statements_due


@shared_task(acks_late=True)
def rebate_statements_close() -> int:
    """Make the statement of every ended period (also where nothing was sold) and issue each
    draft whose period ended. Issuing takes the row's lock and the draft state as its claim,
    so a second or concurrent run issues (and tells) nothing twice. Returns how many issued."""
    today = timezone.localdate()
    statements_build(today)
    issued = 0
    for pk in statements_due(today):
        issued += statement_issue(statement=RebateStatement(pk=pk))
    return issued

"""Demo credit sharing: the company's default split (50/25/15/10), one won deal whose team
agreed its own split (approved by the team's manager), and every signed contract and
allocated receipt credited."""

from decimal import Decimal

from core.approvals.engine import open_request_for, request_decide
from core.demo import DemoContext, register

from .models import CreditSplit, CreditSplitDefault
from .services import credit_default_set, credit_pending, credit_split_request


@register(90, "incentives")
def seed(ctx: DemoContext) -> None:
    users = ctx.data["users"]
    admin, mgr = users["admin"], users["mgr.zhao"]
    if not CreditSplitDefault.objects.exists():
        credit_default_set(
            by=admin,
            data={"ar_pct": "50", "sr_pct": "25", "fr_pct": "15", "partner_pct": "10"},
        )
    from contracts.models import Contract

    contract = (
        Contract.objects.filter(opportunity__isnull=False, owner=users["ar.chen"])
        .exclude(signed_on__isnull=True)
        .select_related("opportunity")
        .order_by("pk")
        .first()
    )
    if contract is not None and not CreditSplit.objects.exists():
        seats = {m.role: m.user_id for m in contract.opportunity.team.members.all()}
        shares = [
            {"user": seats.get("ar"), "seat": "ar", "pct": Decimal("40")},
            {"user": seats.get("sr"), "seat": "sr", "pct": Decimal("35")},
            {"user": seats.get("fr"), "seat": "fr", "pct": Decimal("25")},
        ]
        if all(s["user"] for s in shares):
            split = credit_split_request(
                by=users["ar.chen"],
                opportunity=contract.opportunity,
                shares=shares,
                reason="方案复杂，SR 投入大 / The solution took the SR most of the work.",
            )
            request = open_request_for(split)
            if request is not None:
                request_decide(request=request, by=mgr, decision="approve")
    ctx.log(f"incentives: {credit_pending()} credit events")

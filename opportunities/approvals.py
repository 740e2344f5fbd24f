"""The special price (特价审批) on the approval engine (ADR 17): the kind, its default chain
(one step: the pricing approvers as before chains were data), and the pricing-approver rule
a step may name."""

from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from core.approvals.choices import ApprovalKind, ApprovalMode, ApproverType, RoleLevel
from core.approvals.registry import (
    ApprovalSubject,
    Resolver,
    register_kind,
    register_resolver,
    subject_of,
)
from core.choices import Role

from .pricing import may_approve_as_pricing_approver, pricing_approvers
from .services.agreements import agreement_price_ended, agreement_price_waiting
from .services.quotes import special_price_ended, special_price_waiting

PRICING_APPROVERS = "opportunities.pricing_approvers"


def _approvers(request):
    quote = subject_of(request)
    return pricing_approvers(quote) if quote is not None else []


def _eligible(user, request) -> bool:
    quote = subject_of(request)
    return quote is not None and may_approve_as_pricing_approver(user, quote)


def _seat(quote, seat):
    team = quote.opportunity.team
    return team.seat(seat) if team is not None else None


register_resolver(
    PRICING_APPROVERS,
    Resolver(
        label=_("Pricing approver (the rule's approver, else the managers over the deal)"),
        approvers=_approvers,
        eligible=_eligible,
    ),
)
register_kind(
    ApprovalKind.SPECIAL_PRICE,
    ApprovalSubject(
        on_ended=special_price_ended,
        notify_waiting=special_price_waiting,
        seat_holder=_seat,
        default_name=gettext_noop("Special price"),
        default_steps=(
            {
                "name": gettext_noop("Pricing approver"),
                "approver": {"type": ApproverType.RESOLVER.value, "name": PRICING_APPROVERS},
                "mode": ApprovalMode.ANY_OF.value,
            },
        ),
        extra={"notify_ended": False},
    ),
)
register_kind(
    ApprovalKind.AGREEMENT_PRICE,
    ApprovalSubject(
        on_ended=agreement_price_ended,
        notify_waiting=agreement_price_waiting,
        default_name=gettext_noop("Agreement price"),
        default_steps=(
            {
                "name": gettext_noop("Managers over the customer or partner"),
                "approver": {
                    "type": ApproverType.ROLE.value,
                    "role": Role.SALES_MANAGER.value,
                    "level": RoleLevel.NEAREST.value,
                },
                "mode": ApprovalMode.ANY_OF.value,
            },
        ),
    ),
)

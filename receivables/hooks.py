"""Collections react to contract events and show their part on earlier stages' pages.

- `contract.signed`: down payments (and every trigger already known) fall due;
- `delivery_milestone.reached`: arrival, acceptance and end of warranty make 到货款, 验收款 and
  质保金 due (credit days after the day reached);
- `contract.changed`: an amendment re-plans the unpaid part of the payment plan;
- the close review (`contracts.close`) waits for every milestone settled or written off;
- the evaluation gets days to collect and the share collected (`contracts.Contract` facts);
- panels: the payment plan on the contract page, the battle map on the customer page,
  collections on home.
"""

import datetime as dt

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.activities import register_subject
from core import hooks, policy
from core.audit import ACTION_LABELS

from .choices import DELIVERY_TRIGGERS, OPEN_MILESTONE_STATES, ReceiptState
from .models import PaymentMilestone, Receipt
from .selectors import (
    close_blockers,
    collection_summary,
    contract_collection,
    contract_facts,
    milestone_list,
    my_milestones,
)
from .services import apply_known_triggers, milestones_fall_due, payment_plan_replan


def _on_signed(*, contract, by):
    return apply_known_triggers(contract=contract, by=by)


def _on_delivery_milestone(*, contract, milestone, by):
    trigger = DELIVERY_TRIGGERS.get(getattr(milestone, "kind", ""))
    if trigger is None or getattr(milestone, "actual_date", None) is None:
        return []
    return milestones_fall_due(contract=contract, trigger=trigger, on=milestone.actual_date, by=by)


def _on_changed(*, contract, amendment, by):
    return payment_plan_replan(contract=contract, amendment=amendment, by=by)


def _contract_panel(contract, user) -> dict:
    may_change = policy.can(user, contract, "change")
    return {
        "milestones": list(PaymentMilestone.objects.filter(contract=contract)),
        "totals": contract_collection(contract=contract),
        "credit": sum(
            (
                r.unapplied_amount
                for r in Receipt.objects.filter(contract=contract, state=ReceiptState.POSTED)
            ),
            0,
        ),
        "may_plan": may_change or policy.may(user, "receivables.plan", contract),
        "may_record": policy.may(user, "receivables.handle_money", contract),
    }


def _customer_panel(customer, user) -> dict | None:
    if not PaymentMilestone.objects.filter(contract__customer=customer).exists():
        return {"summary": None}
    return {
        "summary": collection_summary(user=user, customer=customer),
    }


def _home_panel(user) -> dict | None:
    """Home: finance and managers see the collections board's most urgent milestones (late or
    due within a week); a rep the milestones they chase that are late or due within two weeks."""
    today = timezone.localdate()
    if policy.may(user, "receivables.collections_board"):
        urgent = milestone_list(user=user).filter(
            state__in=OPEN_MILESTONE_STATES, due_date__lte=today + dt.timedelta(days=7)
        )
        return {
            "summary": collection_summary(user=user),
            "mine": False,
            "rows": list(urgent.order_by("due_date", "id")[:10]),
        }
    if policy.may(user, "receivables.chase"):
        chase = my_milestones(user=user).filter(due_date__lte=today + dt.timedelta(days=14))
        return {
            "section": "tasks",
            "summary": collection_summary(user=user, owner=user),
            "mine": True,
            "rows": list(chase.order_by("due_date", "id")[:10]),
        }
    return None


#: How collections' audit events read on a timeline (the core's table, extended).
for action, label in {
    "payment_plan.replanned": _("Payment plan re-planned after an amendment"),
    "payment_trigger.recorded": _("Payment trigger recorded"),
    "receipt.allocated": _("Credit applied"),
    "receipt.reversed": _("Receipt reversed"),
    "allocation.reversed": _("Allocation reversed"),
    "invoice.cancelled": _("Invoice cancelled"),
    "write_off.requested": _("Write-off requested"),
}.items():
    ACTION_LABELS.setdefault(action, label)

# Collection calls on a milestone, filed with its contract (customer, org unit, owner).
register_subject(PaymentMilestone, parent="contract", promises=lambda m: m.outstanding)
hooks.listen("contract.signed", _on_signed)
hooks.listen("delivery_milestone.reached", _on_delivery_milestone)
hooks.listen("contract.changed", _on_changed)
hooks.register_check("contracts.close", close_blockers)
hooks.register_facts("contracts.Contract", contract_facts)
hooks.register_panel(
    "contracts.Contract",
    hooks.Panel(order=10, template="receivables/contract_panel.html", context=_contract_panel),
)
hooks.register_panel(
    "accounts.Customer",
    hooks.Panel(order=20, template="receivables/customer_panel.html", context=_customer_panel),
)
hooks.register_panel(
    "home", hooks.Panel(order=30, template="receivables/home_panel.html", context=_home_panel)
)

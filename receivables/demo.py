"""Demo collections: payment plans, a delivery milestone reached, invoices, receipts, a
write-off waiting for approval and the day's reminders."""

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace

from django.contrib.auth.models import Permission
from django.utils import timezone

from core import hooks
from core.demo import DemoContext, register

from .models import PaymentMilestone
from .reminders import scan
from .services import invoice_issue, payment_plan_set, receipt_record, write_off_request

STANDARD_PLAN = [
    {
        "kind": "down_payment",
        "name": "首付款 Down payment",
        "percentage": Decimal("30"),
        "trigger": "on_signing",
        "credit_days": 30,
    },
    {
        "kind": "arrival",
        "name": "到货款 On arrival",
        "percentage": Decimal("30"),
        "trigger": "on_arrival",
        "credit_days": 30,
    },
    {
        "kind": "acceptance",
        "name": "验收款 On acceptance",
        "percentage": Decimal("30"),
        "trigger": "on_acceptance",
        "credit_days": 45,
    },
    {
        "kind": "warranty",
        "name": "质保金 Warranty retention",
        "percentage": Decimal("10"),
        "trigger": "on_warranty_end",
        "credit_days": 30,
    },
]


def _two_step_write_off_chain(users) -> None:
    """The administrator's write-off chain (ADR 17): the write-off approvers as before, then
    the office's manager for a write-off above CNY 1,000,000."""
    from core.approvals.chains import chain_for, chain_update

    from .approvals import WRITE_OFF_APPROVERS

    chain_update(
        chain=chain_for("write_off"),
        by=users["admin"],
        name="坏账核销 Write-off",
        steps=[
            {
                "name": "核销审批人 Write-off approver",
                "approver": {"type": "resolver", "name": WRITE_OFF_APPROVERS},
                "time_limit_hours": 48,
            },
            {
                "name": "代表处经理 Office manager",
                "condition": {"min_amount": "1000000", "currency": "CNY"},
                "approver": {"type": "role", "role": "sales_manager", "level": "office"},
            },
        ],
    )


@register(50, "receivables")
def seed(ctx: DemoContext) -> None:
    users, contracts = ctx.data["users"], ctx.data["contracts"]
    finance, today = users["fin.sun"], timezone.localdate()
    payment_plan_set(contract=contracts["edge"], by=finance, milestones=STANDARD_PLAN)
    payment_plan_set(
        contract=contracts["renewal"],
        by=finance,
        milestones=[
            {
                "kind": "down_payment",
                "name": "首付款 Down payment",
                "percentage": Decimal("50"),
                "trigger": "on_signing",
                "credit_days": 30,
            },
            {
                "kind": "custom",
                "name": "Second instalment",
                "percentage": Decimal("50"),
                "trigger": "on_date",
                "trigger_date": today - dt.timedelta(days=20),
                "credit_days": 0,
            },
        ],
    )
    for key, contract in contracts.items():
        ctx.data["sign_contract"](contract, ctx.data["contract_steps"][key])
    receipt_record(
        by=finance,
        contract=contracts["edge"],
        amount=Decimal("1140000.00"),
        received_on=today - dt.timedelta(days=10),
        method="bank_transfer",
        bank_reference="ICBC-20261113-0042",
    )
    # The equipment arrived 25 days ago: 到货款 falls due in 5 days.
    hooks.emit(
        "delivery_milestone.reached",
        contract=contracts["edge"],
        milestone=SimpleNamespace(kind="arrival", actual_date=today - dt.timedelta(days=25)),
        by=users["fr.wang"],
    )
    edge = {m.kind: m for m in PaymentMilestone.objects.filter(contract=contracts["edge"])}
    renewal = list(PaymentMilestone.objects.filter(contract=contracts["renewal"]))
    invoice_issue(
        milestone=edge["down_payment"],
        by=finance,
        amount=edge["down_payment"].amount,
        issued_on=today - dt.timedelta(days=40),
        invoice_number="44001926",
    )
    invoice_issue(
        milestone=edge["arrival"],
        by=finance,
        amount=edge["arrival"].amount,
        issued_on=today - dt.timedelta(days=3),
        invoice_number="44001958",
    )
    invoice_issue(
        milestone=renewal[0],
        by=finance,
        amount=renewal[0].amount,
        issued_on=today - dt.timedelta(days=100),
        invoice_number="44001871",
    )
    receipt_record(
        by=finance,
        contract=contracts["renewal"],
        amount=Decimal("300000.00"),
        received_on=today - dt.timedelta(days=60),
        method="acceptance_bill",
        bank_reference="BA-2026-0917",
    )
    # fin.sun may approve write-offs; the AR asks to write off a deducted penalty.
    finance.user_permissions.add(Permission.objects.get(codename="approve_writeoff"))
    _two_step_write_off_chain(users)
    write_off_request(
        milestone=renewal[0],
        by=users["ar.chen"],
        reason="The customer deducted a late-delivery penalty (违约金) of 180,000 under clause 9.",
    )
    scan(today=today)

"""Demo custom fields: one per record type, with values on a few demo records."""

from __future__ import annotations

from django.apps import apps

from ..demo import DemoContext, register
from ..records import record_update
from .services import custom_field_create

SEGMENTS = [
    {"value": "carrier", "label_en": "Carrier", "label_zh": "运营商"},
    {"value": "government", "label_en": "Government", "label_zh": "政府"},
    {"value": "enterprise", "label_en": "Enterprise", "label_zh": "企业"},
]

FIELDS = [
    ("accounts.customer", "segment", "Segment", "细分市场", "choice", {"choices": SEGMENTS}),
    ("accounts.contact", "wechat", "WeChat ID", "微信号", "text", {}),
    ("leads.lead", "campaign", "Campaign", "市场活动", "text", {}),
    ("opportunities.opportunity", "tender_no", "Tender number", "招标编号", "text", {}),
    ("contracts.contract", "po_number", "Customer PO", "客户采购订单号", "text", {}),
    (
        "receivables.paymentmilestone",
        "billing_contact",
        "Billing contact",
        "开票联系人",
        "user",
        {},
    ),
]


@register(70, "custom fields")
def seed(ctx: DemoContext) -> None:
    admin = ctx.data["users"]["admin"]
    for target, key, label_en, label_zh, kind, extra in FIELDS:
        data = {"target": target, "key": key, "label_en": label_en, "label_zh": label_zh}
        custom_field_create(by=admin, data={**data, "type": kind, "show_in_list": True, **extra})
    customers = apps.get_model("accounts.Customer").objects.order_by("pk")
    segments = ["carrier", "government", "enterprise"]
    for customer, segment in zip(customers[:3], segments, strict=False):
        record_update(customer, by=admin, data={"custom": {"segment": segment}}, check_scope=False)
    deal = apps.get_model("opportunities.Opportunity").objects.order_by("pk").first()
    if deal is not None:
        record_update(deal, by=admin, data={"custom": {"tender_no": "GDYD-2026-018"}})
    ctx.log("Custom fields: 6 definitions, values on a few records")

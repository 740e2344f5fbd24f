"""A demo saved report: the region director's deals by stage and product line, shared with
the region (each reader counts their own scope), e-mailed weekly."""

from accounts.models import OrgUnit
from core.demo import DemoContext, register

from .services import report_create


@register(95, "reports")
def seed(ctx: DemoContext) -> None:
    users = ctx.data["users"]
    report_create(
        by=users["dir.liu"],
        data={
            "name": "机会点：阶段 × 产品线",
            "definition": {
                "record_type": "opportunities",
                "rows": ["state"],
                "columns": ["product_line"],
                "measure": "sum",
                "measure_field": "amount",
                "chart": "bar",
                "convert_to": "CNY",
            },
            "shared_units": list(OrgUnit.objects.filter(code="gd")),
            "schedule": "weekly",
        },
    )

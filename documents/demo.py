"""Demo letterhead: the demo company's name and address on every generated document (no
document is generated while seeding: rendering takes a moment, and people try the button)."""

from core.demo import DemoContext, register

from .services import letterhead_update


@register(55, "documents")
def seed(ctx: DemoContext) -> None:
    letterhead_update(
        by=ctx.data["users"]["admin"],
        data={
            "company_name": "华南信息科技股份有限公司",
            "company_name_en": "South China Information Technology Co., Ltd.",
            "address": "广州市天河区珠江新城华夏路 10 号",
            "phone": "020-8888 6666",
        },
    )

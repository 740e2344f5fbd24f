"""Demo rebates: a quarterly volume scheme on the general distributor's agreement of this
year, and the edge-computing deal sold through that distributor, so that signing its contract
(the receivables seed signs it) accrues the rebate."""

from decimal import Decimal

from core.demo import DemoContext, register
from opportunities.models import Opportunity

from .choices import RebateBasis, RebateMeasure, RebatePeriod
from .services import rebate_scheme_create


@register(45, "rebates")
def seed(ctx: DemoContext) -> None:
    users = ctx.data["users"]
    distributor = ctx.data["partners"][0]
    agreement = distributor.agreements.order_by("-year").first()
    rebate_scheme_create(
        by=users["dir.liu"],
        agreement=agreement,
        data={
            "name": "季度阶梯返利",
            "measure": RebateMeasure.VOLUME,
            "period": RebatePeriod.QUARTER,
            "basis": RebateBasis.BOOKED,
            "notes": "达成目标返点 3%，超额部分 5%",
            "tiers": [
                {"lower": Decimal("0"), "upper": Decimal("1000000"), "rate_pct": Decimal("2")},
                {
                    "lower": Decimal("1000000"),
                    "upper": Decimal("5000000"),
                    "rate_pct": Decimal("3"),
                },
                {"lower": Decimal("5000000"), "upper": None, "rate_pct": Decimal("5")},
            ],
        },
    )
    # The won edge-computing deal went through the distributor: its contract, signed by the
    # receivables seed, accrues this quarter's rebate through the `contract.signed` hook.
    Opportunity.objects.filter(pk=ctx.data["won"][0].pk).update(partner=distributor)

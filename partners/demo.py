"""Demo channel partners: a general distributor and an agent in Guangdong, admitted through
the approval engine, with this year's agreements, and one project the distributor registered
(项目报备), approved and protected; `partner.lin`, the distributor's person in the partner
portal."""

import datetime as dt
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from core.approvals.engine import open_request_for, request_decide
from core.demo import DemoContext, register

from .choices import PartnerTier, QualificationKind
from .services import (
    agreement_create,
    member_create,
    partner_create,
    partner_registration_submit,
    partner_submit_admission,
    qualification_upload,
)

PDF = b"%PDF-1.4\n% demo qualification\n%%EOF\n"

PARTNERS = [
    # name, tier, territories, product lines, target, discount band, deposit
    (
        "广州云联科技有限公司",
        PartnerTier.GENERAL_DISTRIBUTOR,
        ["广东", "广西"],
        ["5G private network", "Data centre"],
        Decimal("30000000"),
        (Decimal("15"), Decimal("30")),
        Decimal("500000"),
    ),
    (
        "深圳信达网络有限公司",
        PartnerTier.AGENT,
        ["广东"],
        ["5G private network"],
        Decimal("5000000"),
        (Decimal("5"), Decimal("15")),
        Decimal("100000"),
    ),
]


def _approve(subject, decider) -> None:
    request = open_request_for(subject)
    if request is not None:
        request_decide(request=request, by=decider, decision="approve", comment="Checked")


@register(15, "partners")
def seed(ctx: DemoContext) -> None:
    users, customers = ctx.data["users"], ctx.data["customers"]
    manager, director = users["ar.chen"], users["dir.liu"]
    year = timezone.localdate().year
    partners = []
    for name, tier, territories, lines, target, band, deposit in PARTNERS:
        partner = partner_create(
            by=manager,
            data={
                "name": name,
                "tier": tier,
                "territories": territories,
                "product_lines": lines,
                "contact_name": "王经理",
            },
        )
        qualification_upload(
            partner=partner,
            by=manager,
            file=SimpleUploadedFile("licence.pdf", PDF, content_type="application/pdf"),
            kind=QualificationKind.BUSINESS_LICENCE,
            valid_until=timezone.localdate() + dt.timedelta(days=365),
            title="营业执照",
        )
        agreement_create(
            by=manager,
            partner=partner,
            data={
                "year": year,
                "target_amount": target,
                "discount_min_pct": band[0],
                "discount_max_pct": band[1],
                "deposit_amount": deposit,
            },
        )
        partner_submit_admission(partner=partner, by=manager)
        _approve(partner, director)
        partner.refresh_from_db()
        partners.append(partner)
    registration = partner_registration_submit(
        by=manager,
        partner=partners[0],
        customer=customers["ct-gd"],
        project="Smart campus 5G private network",
        product_line="5G private network",
        estimated_amount=Decimal("2800000"),
    )
    _approve(registration, director)
    # The distributor's own person, who signs in to the partner portal (ADR 21).
    member_create(
        by=manager,
        partner=partners[0],
        data={
            "username": "partner.lin",
            "first_name": "Lin",
            "last_name": "Yunlian",
            "email": "partner.lin@demo.example",
        },
        password=ctx.password,
    )
    ctx.data["partners"] = partners

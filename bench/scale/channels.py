"""The channel part of the scale data set (issue 21's speed): partners with their agreement of
the year, partners' project registrations (the approved ones holding a protection through the
partner's channel), a product catalogue, agreement prices per customer or partner and product,
and one deal in ten sold through a partner. Written on top of an existing scale data set
(`manage.py generate_channel_data`), reading the customers and reps it needs from the
database; rows are written directly, as the rest of the generator writes them."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from django.db import connection
from django.utils import timezone

from accounts.choices import RegistrationState
from accounts.models import Customer, CustomerRegistration, User
from accounts.models.registrations import project_key
from bench.bulk import BulkWriter
from core.choices import Role
from opportunities.choices import AgreementPriceState
from opportunities.models import AgreementPrice, Opportunity, Product
from partners.choices import PartnerRegistrationState, PartnerState, PartnerTier
from partners.models import Partner, PartnerAgreement, PartnerRegistration

from .shapes import PROVINCES, pick

CHANNEL_DEFAULTS = {
    "partners": 2_000,
    "registrations": 50_000,
    "agreement_prices": 200_000,
    "products": 500,
}
PRODUCT_LINES = ["Network", "Storage", "Cloud", "Security", "Services"]
TIERS = [
    (PartnerTier.GENERAL_DISTRIBUTOR.value, 5),
    (PartnerTier.AGENT.value, 70),
    (PartnerTier.OEM.value, 15),
    (PartnerTier.SERVICE_PROVIDER.value, 10),
]
REGISTRATION_STATES = [
    (PartnerRegistrationState.APPROVED.value, 60),
    (PartnerRegistrationState.SUBMITTED.value, 20),
    (PartnerRegistrationState.REJECTED.value, 15),
    (PartnerRegistrationState.RETURNED.value, 5),
]


def generate_channels(counts: dict, rng: random.Random, log) -> dict[str, int]:
    """Write the channel rows; returns how many of each model."""
    today = timezone.localdate()
    now = timezone.now()
    written: dict[str, int] = {}

    def close(*writers: BulkWriter) -> None:
        for writer in writers:
            written[writer.model.__name__] = writer.close()

    managers = list(
        User.objects.filter(role=Role.SALES_REP, username__startswith="scale-")
        .exclude(org_unit=None)
        .values_list("pk", "org_unit_id")[:400]
    )
    customers = list(Customer.objects.values_list("pk", "org_unit_id"))
    if not managers or not customers:
        raise ValueError("generate the scale data set first (generate_scale_data)")

    log("products")
    products = BulkWriter(Product)
    product_ids = []
    for i in range(counts["products"]):
        product_ids.append(
            products.add(
                code=f"SC-{i:05d}",
                name=f"规模产品 {i}",
                product_line=PRODUCT_LINES[i % len(PRODUCT_LINES)],
                list_price=Decimal(rng.randrange(1_000, 500_000)),
                cost=Decimal(rng.randrange(500, 1_000)),
                currency="CNY",
                tax_rate_pct=Decimal("13"),
            )
        )
    close(products)

    log("partners and their agreements")
    partners, agreements = BulkWriter(Partner), BulkWriter(PartnerAgreement)
    partner_rows: list[tuple[int, int, int]] = []  # id, manager, unit
    for i in range(counts["partners"]):
        manager, unit = managers[rng.randrange(len(managers))]
        admitted = rng.random() < 0.9
        pk = partners.add(
            name=f"渠道伙伴 {i:05d} 有限公司",
            tier=pick(rng, TIERS),
            territories=rng.sample(PROVINCES, 2),
            product_lines=rng.sample(PRODUCT_LINES, 3),
            manager_id=manager,
            org_unit_id=unit,
            state=PartnerState.ADMITTED if admitted else PartnerState.CANDIDATE,
            admitted_at=now - dt.timedelta(days=rng.randint(30, 900)) if admitted else None,
        )
        partner_rows.append((pk, manager, unit))
        agreements.add(
            partner_id=pk,
            year=today.year,
            currency="CNY",
            target_amount=Decimal(rng.randrange(100, 5_000) * 10_000),
            discount_min_pct=Decimal("0"),
            discount_max_pct=Decimal(rng.choice([10, 15, 20, 25])),
            deposit_amount=Decimal(rng.randrange(0, 50) * 10_000),
        )
    close(partners, agreements)

    log("project registrations and their protections")
    protections, registrations = BulkWriter(CustomerRegistration), BulkWriter(PartnerRegistration)
    for i in range(counts["registrations"]):
        partner, manager, unit = partner_rows[rng.randrange(len(partner_rows))]
        customer, _customer_unit = customers[rng.randrange(len(customers))]
        state = pick(rng, REGISTRATION_STATES)
        project = f"渠道项目 {i:06d}"  # a project of its own: protections never collide
        protection = None
        decided = None
        if state != PartnerRegistrationState.SUBMITTED:
            decided = now - dt.timedelta(days=rng.randint(1, 300))
        if state == PartnerRegistrationState.APPROVED:
            protection = protections.add(
                customer_id=customer,
                project=project,
                project_key=project_key(project),
                owner_id=manager,
                registered_by_id=manager,
                org_unit_id=unit,
                channel=f"partner:{partner}",
                channel_name=f"渠道伙伴 {partner}",
                state=RegistrationState.PROTECTED,
                protected_until=today + dt.timedelta(days=rng.randint(1, 90)),
                renewed_at=decided,
                last_activity_at=decided,
            )
        registrations.add(
            partner_id=partner,
            customer_id=customer,
            project=project,
            product_line=PRODUCT_LINES[i % len(PRODUCT_LINES)],
            currency="CNY",
            estimated_amount=Decimal(rng.randrange(10, 2_000) * 10_000),
            state=state,
            submitted_by_id=manager,
            decided_at=decided,
            protection_id=protection,
        )
    close(protections, registrations)

    log("agreement prices")
    prices = BulkWriter(AgreementPrice)
    n_prices = counts["agreement_prices"]
    per_product = max(1, -(-n_prices // len(product_ids)))  # parties per product
    n_parties = len(customers) + len(partner_rows)
    made = 0
    for product_index, product in enumerate(product_ids):
        # each (party, product) pair once: one approved price a year back, open-ended
        start = rng.randrange(n_parties)
        for k in range(per_product):
            if made == n_prices:
                break
            party = (start + k * 7919) % n_parties  # a prime stride: distinct parties
            if party < len(customers):
                customer, unit = customers[party]
                party_fields = {"customer_id": customer}
                manager = managers[party % len(managers)][0]
            else:
                partner, manager, unit = partner_rows[party - len(customers)]
                party_fields = {"partner_id": partner}
            prices.add(
                **party_fields,
                product_id=product,
                price=Decimal(rng.randrange(800, 400_000)),
                currency="CNY",
                valid_from=today - dt.timedelta(days=rng.randint(0, 365)),
                valid_to=None if rng.random() < 0.5 else today + dt.timedelta(days=365),
                state=AgreementPriceState.APPROVED,
                org_unit_id=unit,
                created_by_id=manager,
                decided_at=now,
            )
            made += 1
        if product_index % 100 == 0:
            log(f"  {made:,} agreement prices")
    close(prices)

    log("one deal in ten through a partner")
    first, n_partners = partner_rows[0][0], len(partner_rows)
    assert partner_rows[-1][0] == first + n_partners - 1  # handed out in a row by the writer
    with connection.cursor() as cursor:
        table = Opportunity._meta.db_table
        cursor.execute(
            f"UPDATE {table} SET partner_id = %s + (id %% %s) WHERE id %% 10 = 0",
            [first, n_partners],
        )
        written["Opportunity.partner"] = cursor.rowcount
    return written

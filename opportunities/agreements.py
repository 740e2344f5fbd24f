"""Agreement prices (协议价) as quotes meet them: the price that applies to a customer (or a
partner) and a product on a day, in one indexed query, and why a quote's lines need the
special-price approval because of them (below the agreement price, or a partner deal's
discount outside the partner's current agreement band)."""

from __future__ import annotations

import datetime as dt

from django.db.models import Q
from django.utils import timezone

from core.messages import message, money, percent

from .choices import AgreementPriceState
from .models import AgreementPrice, Quote


def agreement_price_query(
    product_id: int, *, customer_id=None, partner_id=None, on: dt.date | None = None
):
    """The approved agreement prices of the customer (or partner) for the product in force on
    `on` (today), the latest start first: a range scan of the (party, product, state,
    -valid_from) index."""
    on = on or timezone.localdate()
    party = {"partner_id": partner_id} if partner_id else {"customer_id": customer_id}
    return (
        AgreementPrice.objects.filter(
            **party, product_id=product_id, state=AgreementPriceState.APPROVED, valid_from__lte=on
        )
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=on))
        .order_by("-valid_from")
    )


def agreement_price_for(
    product_id: int, *, customer_id=None, partner_id=None, on: dt.date | None = None
) -> AgreementPrice | None:
    """The agreement price in force for the customer (or partner) and product: one query."""
    if not (customer_id or partner_id):
        return None
    return agreement_price_query(
        product_id, customer_id=customer_id, partner_id=partner_id, on=on
    ).first()


def _partner_band(partner, on: dt.date):
    from partners.models import PartnerAgreement

    return PartnerAgreement.objects.filter(partner=partner, year=on.year).first()


def agreement_reasons(quote: Quote) -> list[dict]:
    """Why the quote needs the special-price approval because of agreements: a message for
    each line priced below the applicable agreement price (the partner's when the deal has a
    partner, else the customer's) and each partner-deal line whose discount is outside the
    partner's agreement band this year. Empty when none."""
    opportunity = quote.opportunity
    today = timezone.localdate()
    partner = opportunity.partner if opportunity.partner_id else None
    band = _partner_band(partner, today) if partner is not None else None
    party = partner or opportunity.customer
    reasons = []
    for line in quote.lines.select_related("product"):
        agreed = agreement_price_for(
            line.product_id,
            customer_id=None if partner else opportunity.customer_id,
            partner_id=partner.pk if partner else None,
            on=today,
        )
        if (
            agreed is not None
            and agreed.currency == quote.currency
            and line.unit_price < agreed.price
        ):
            reasons.append(
                message(
                    "note.below_agreement",
                    product=line.product.code,
                    price=money(line.unit_price, quote.currency),
                    agreed=money(agreed.price, agreed.currency),
                    party=str(party),
                )
            )
        if band is not None and not (
            band.discount_min_pct <= line.discount_pct <= band.discount_max_pct
        ):
            reasons.append(
                message(
                    "note.outside_band",
                    product=line.product.code,
                    discount=percent(line.discount_pct),
                    partner=str(partner),
                    low=percent(band.discount_min_pct),
                    high=percent(band.discount_max_pct),
                )
            )
    return reasons

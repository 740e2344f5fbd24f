"""Issue 21's journey in a real browser: a partner registers a project in the portal, the
channel's manager approves it, the partner manager makes it an opportunity with the partner
on it, a quote below the partner's agreement price asks for the special-price approval, the
deal is won and the rebate accrues on the partner's statement.

The gates between (ATI, ATB, ATC: the iron triangle's assessments and the manager's go) and
the contract's signature are driven through the API, as their own journeys already walk them
in the browser; what is asserted is what the pages show, and the database where the page's
words alone would not prove it."""

from __future__ import annotations

from decimal import Decimal

from django.utils import timezone

from channels.models import RebateAccrual, RebateStatement
from contracts.models import Contract
from core.approvals.models import ApprovalRequest
from opportunities.models import Opportunity, Product, Quote
from partners.models import PartnerRegistration
from partners.services import agreement_create
from tests.channels.conftest import post_scheme
from tests.factories import CustomerFactory, team
from tests.opportunities.conftest import advance
from tests.opportunities.test_agreement_prices import approved as approved_price
from tests.partners.conftest import make_partner
from tests.portal.conftest import make_member
from tests.test_value_stream import transition_api

from .test_journeys import submit


def _approve(page, request: ApprovalRequest, comment: str) -> None:
    page.goto(request.get_absolute_url())
    decide = "form:has(input[name=form][value=decide])"
    page.locator(f"{decide} select[name=decision]").select_option("approve")
    page.locator(f"{decide} textarea[name=comment]").fill(comment)
    submit(page, decide)
    shown = page.locator("main").inner_text()
    assert page.locator("ul.messages li.success").count() == 1, shown


def test_a_partner_registers_and_the_won_deal_accrues_its_rebate(org, api, open_as, screenshot):
    partner = make_partner(org, name="Yunlian Tech")  # admitted, sells 5G in 广东
    lin = make_member(org, partner, "lin")
    customer = CustomerFactory(
        name="Guangdong Power Grid", owner=org.rep, org_unit=org.gd_carrier, region="广东"
    )
    router = Product.objects.create(
        code="RT-100",
        name="Core router",
        product_line="5G",
        list_price=Decimal("100000.00"),
        cost=Decimal("60000.00"),
        currency="CNY",
        tax_rate_pct=Decimal("13"),
    )
    agreement = agreement_create(
        by=org.rep,
        partner=partner,
        data={
            "year": timezone.localdate().year,
            "currency": "CNY",
            "target_amount": Decimal("5000000"),
            "discount_max_pct": Decimal("20"),
        },
    )
    scheme = post_scheme(api, org.manager, agreement)
    assert scheme.status_code == 201, scheme.json()
    approved_price(api, org, router, "95000", timezone.localdate(), partner=partner.pk)

    # 1. The partner registers the project in the portal.
    portal = open_as(lin)
    portal.goto("/portal/registrations/")
    form = "form:has(input[name=customer_name])"
    portal.locator(f"{form} input[name=customer_name]").fill("Guangdong Power Grid")
    portal.locator(f"{form} input[name=project]").fill("Substation 5G network")
    portal.locator(f"{form} select[name=product_line]").select_option("5G")
    portal.locator(f"{form} input[name=estimated_amount]").fill("500,000")
    submit(portal, form)
    assert portal.locator("ul.messages li.success").count() == 1
    assert "Substation 5G network" in portal.locator("main").inner_text()
    registration = PartnerRegistration.objects.get(partner=partner)
    assert registration.state == "submitted" and registration.submitted_by == lin
    assert registration.customer == customer
    screenshot(portal, "1-portal-registered", full_page=False)

    # 2. The channel's manager approves it: protected for the partner.
    request = ApprovalRequest.objects.get(kind="partner_registration", subject_id=registration.pk)
    _approve(open_as(org.manager), request, "Partner's project, protected.")
    registration.refresh_from_db()
    assert registration.state == "approved" and registration.protection.state == "protected"
    portal.goto("/portal/registrations/")
    assert "Approved" in portal.locator("main").inner_text()

    # 3. The partner manager makes it the opportunity, with the partner on it.
    rep = open_as(org.rep)
    rep.goto(registration.get_absolute_url())
    submit(rep, f'form[action="/partners/registrations/{registration.pk}/convert/"]')
    opportunity = Opportunity.objects.get(partner_registration=registration)
    assert opportunity.partner == partner and rep.url.endswith(opportunity.get_absolute_url())
    assert "Yunlian Tech" in rep.locator("main").inner_text()
    screenshot(rep, "2-opportunity-with-partner", full_page=False)
    if not (opportunity.team and opportunity.team.is_complete):
        Opportunity.objects.filter(pk=opportunity.pk).update(
            team=team(ar=org.rep, sr=org.sr, fr=org.fr)
        )

    # 4. A quote below the partner's agreement price (95,000): 8 % off list is 92,000, within
    # the rep's own authority, so only the agreement asks for the special price.
    rep.goto(f"/opportunities/{opportunity.pk}/quotes/new/")
    rep.locator("select[name=lines-0-product]").select_option(str(router.pk))
    rep.locator("input[name=lines-0-quantity]").fill("5")
    rep.locator("input[name=lines-0-discount_pct]").fill("8")
    submit(rep, "form:has(input[name=lines-TOTAL_FORMS])")
    quote = Quote.objects.get(opportunity=opportunity)
    rep.locator("textarea[name=justification]").fill("Partner deal; competitor below us.")
    submit(rep, "form:has(input[name=action][value=submit])")
    quote.refresh_from_db()
    assert quote.state == "pending_approval" and quote.special_price
    shown = rep.locator("main").inner_text()
    assert "below the agreement price ¥95,000.00 (Yunlian Tech)" in shown, shown
    assert "outside Yunlian Tech's band" not in shown  # 8 % is within the partner's band
    screenshot(rep, "3-quote-below-agreement", full_page=False)
    special = ApprovalRequest.objects.get(kind="special_price", subject_id=quote.pk)
    _approve(open_as(org.manager), special, "Agreed for the partner.")
    assert Quote.objects.get(pk=quote.pk).state == "approved"

    # 5. The deal is won (gates through the API) and its contract signed.
    won = advance(api, org, opportunity, "won")
    assert won.state == "won"
    contract = Contract.objects.get(opportunity=opportunity)
    api(org.rep).patch(
        f"/api/v1/contracts/{contract.pk}/",
        {"signed_on": str(timezone.localdate())},
        format="json",
    )
    transition_api(api, org.rep, "contracts", contract.pk, "sign")

    # 6. The rebate accrues: 2 % of the booking on this quarter's statement.
    accrual = RebateAccrual.objects.get()
    contract.refresh_from_db()
    assert accrual.amount == (contract.amount * Decimal("0.02")).quantize(Decimal("0.01"))
    statement = RebateStatement.objects.get(partner=partner)
    manager = open_as(org.manager)
    manager.goto(statement.get_absolute_url())
    shown = manager.locator("main").inner_text()
    assert f"{accrual.amount:,.2f}" in shown
    screenshot(manager, "4-rebate-accrued", full_page=False)
    portal.goto("/portal/opportunities/")
    assert "Substation 5G network" in portal.locator("main").inner_text()

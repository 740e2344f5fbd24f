"""Issue 20's journey in a real browser: an administrator configures the CRM through its
settings pages (a role, a custom field required in a later stage, a two-step special-price
chain) and the people of a sales team then go through what was configured.

1. The administrator defines the role "Presales engineer" (opportunities: view and change)
   and gives it to a solution manager of another team, for the rep's team; adds the custom
   field "Tender number" on opportunities, required from "guiding" on; defines the
   special-price chain: the pricing approver (the team's manager), then, above 100,000, a
   named person (the office director).
2. The rep tries to start guiding and is told the tender number is missing; fills it in on
   the edit form; the move succeeds.
3. The rep submits a quote with a discount beyond their authority; the manager approves in
   the Approvals inbox, then the director; the rep sees the quote approved. The presales
   engineer, who could not open the deal before, sees and changes it.
4. In Chinese: the rep is told the missing field by its Chinese name.

Selectors use URLs, names and ids; what is asserted is what the pages show, and the database
where the page's words alone would not prove it."""

from __future__ import annotations

import json
from decimal import Decimal

from accounts.models import RoleDefinition
from core.approvals.models import ApprovalRequest
from core.choices import Role
from opportunities.models import Opportunity, Product, Quote
from tests.factories import OpportunityFactory, UserFactory, team

from .test_journeys import expect_language, submit

TENDER = "tender_number"


def _initiated(org, name: str) -> Opportunity:
    opportunity = OpportunityFactory(
        owner=org.rep, name=name, team=team(ar=org.rep, sr=org.sr, fr=org.fr)
    )
    Opportunity.objects.filter(pk=opportunity.pk).update(state="initiated")
    return Opportunity.objects.get(pk=opportunity.pk)


def _start_guiding(page, opportunity: Opportunity) -> None:
    page.goto(opportunity.get_absolute_url())
    submit(page, f'form[action="/opportunities/{opportunity.pk}/transitions/start_guiding/"]')


def _configure(admin, org, presales, screenshot) -> RoleDefinition:
    """Step 1, as the administrator, through the settings pages only."""
    page = admin
    # A role: opportunities view + change, given for the rep's team.
    page.goto("/settings/roles/new/")
    expect_language(page, "en")
    page.locator("input[name=code]").fill("presales")
    page.locator("input[name=name_en]").fill("Presales engineer")
    page.locator("input[name=name_zh]").fill("售前工程师")
    for code in ("opportunities.view", "opportunities.change"):
        page.locator(f'input[name=permissions][value="{code}"]').check()
    screenshot(page, "1-role", full_page=False)
    submit(page, "form:has(input[name=code])")
    assert page.url.endswith("/settings/roles/")
    assert "Presales engineer" in page.locator("main").inner_text()
    role = RoleDefinition.objects.get(code="presales")
    assert set(role.permissions) == {"opportunities.view", "opportunities.change"}

    assign = "form:has(select[name=scope])"
    page.locator(f"{assign} select[name=user]").select_option(str(presales.pk))
    page.locator(f"{assign} select[name=role]").select_option(str(role.pk))
    page.locator(f"{assign} select[name=org_unit]").select_option(str(org.gd_carrier.pk))
    page.locator(f"{assign} select[name=scope]").select_option("team")
    submit(page, assign)
    assert page.locator("ul.messages li.success").count() == 1
    held = page.locator("section[aria-labelledby=assignments-title]").inner_text()
    assert "Presales engineer" in held and str(presales) in held

    # A custom field on opportunities, required from "guiding" on.
    page.goto("/settings/custom-fields/new/")
    page.locator("select[name=target]").select_option("opportunities.opportunity")
    page.locator("input[name=key]").fill(TENDER)
    page.locator("select[name=type]").select_option("text")
    page.locator("input[name=label_en]").fill("Tender number")
    page.locator("input[name=label_zh]").fill("投标编号")
    page.locator("input[name=required_in_states]").fill("guiding")
    screenshot(page, "2-custom-field", full_page=False)
    submit(page, "form:has(input[name=key])")
    assert page.url.endswith("/settings/custom-fields/")
    assert "Tender number" in page.locator("main").inner_text()

    # The special-price chain, two steps; the page takes the steps as JSON.
    steps = [
        {
            "name": "Pricing approver",
            "approver": {"type": "resolver", "name": "opportunities.pricing_approvers"},
            "mode": "any_of",
        },
        {
            "name": "Director above 100,000",
            "condition": {"min_amount": "100000"},
            "approver": {"type": "user", "user": org.director.pk},
            "mode": "any_of",
        },
    ]
    page.goto("/settings/approval-chains/")
    chain = "form:has(textarea[name=steps])"
    page.locator(f"{chain} select[name=kind]").select_option("special_price")
    page.locator(f"{chain} input[name=name]").fill("Special price, two steps")
    page.locator(f"{chain} textarea[name=steps]").fill(json.dumps(steps))
    submit(page, chain)
    assert page.locator("ul.messages li.success").count() == 1
    shown = page.locator("main section.card table").first.inner_text()
    assert "Pricing approver" in shown and "Director above 100,000" in shown
    screenshot(page, "3-chain", full_page=False)
    return role


def test_an_administrator_configures_and_a_team_goes_through_it(org, open_as, screenshot):
    presales = UserFactory(
        username="presales", role=Role.SOLUTION_MANAGER, org_unit=org.gd_gov, first_name="Pat"
    )
    opportunity = _initiated(org, "Port tender 2026")
    router = Product.objects.create(
        code="RT-100",
        name="Core router",
        product_line="Network",
        list_price=Decimal("100000.00"),
        cost=Decimal("60000.00"),
        currency=opportunity.currency,
        tax_rate_pct=Decimal("13"),
    )

    # Before the role, the presales engineer cannot open the rep's deal.
    outsider = open_as(presales)
    assert outsider.goto(opportunity.get_absolute_url()).status == 404

    _configure(open_as(org.admin), org, presales, screenshot)

    # 2. The move into guiding asks for the tender number, by name.
    rep = open_as(org.rep)
    _start_guiding(rep, opportunity)
    error = rep.locator("ul.messages li.error")
    assert error.count() == 1 and "Tender number" in error.inner_text()
    assert Opportunity.objects.get(pk=opportunity.pk).state == "initiated"
    screenshot(rep, "4-field-required", full_page=False)
    rep.goto(f"/opportunities/{opportunity.pk}/edit/")
    rep.locator('input[name="custom.tender_number"]').fill("GZ-2026-0042")
    submit(rep, 'form:has(input[name="custom.tender_number"])')
    _start_guiding(rep, opportunity)
    assert rep.locator("ul.messages li.success").count() == 1
    opportunity.refresh_from_db()
    assert opportunity.state == "guiding" and opportunity.custom[TENDER] == "GZ-2026-0042"

    # 3. A quote at 25 % off (authority: 10 %), 2 routers: 169,500 with tax, over 100,000.
    rep.goto(f"/opportunities/{opportunity.pk}/quotes/new/")
    rep.locator("select[name=lines-0-product]").select_option(str(router.pk))
    rep.locator("input[name=lines-0-quantity]").fill("2")
    rep.locator("input[name=lines-0-discount_pct]").fill("25")
    submit(rep, "form:has(input[name=lines-TOTAL_FORMS])")
    quote = Quote.objects.get(opportunity=opportunity)
    assert rep.url.endswith(quote.get_absolute_url())
    rep.locator("textarea[name=justification]").fill("Strategic port account; competitor at -22%.")
    submit(rep, "form:has(input[name=action][value=submit])")
    quote.refresh_from_db()
    assert quote.state == "pending_approval" and quote.special_price
    request = ApprovalRequest.objects.get(kind="special_price", subject_id=quote.pk)
    assert request.current_step.name == "Pricing approver"
    screenshot(rep, "5-quote-submitted", full_page=False)

    for approver, step in ((org.manager, "Pricing approver"), (org.director, "Director above")):
        page = open_as(approver)
        page.goto("/gates/")
        link = page.locator(f'a[href="{request.get_absolute_url()}"]')
        assert link.count() == 1, f"{approver} does not find the request in the inbox"
        assert step in page.locator("main").inner_text()
        with page.expect_navigation():
            link.click()
        decide = "form:has(input[name=form][value=decide])"
        page.locator(f"{decide} select[name=decision]").select_option("approve")
        page.locator(f"{decide} textarea[name=comment]").fill("Agreed.")
        submit(page, decide)
        assert page.locator("ul.messages li.success").count() == 1
        screenshot(page, f"6-approved-by-{approver.username}", full_page=False)
        if approver == org.manager:
            request.refresh_from_db()
            assert request.state == "pending"
            assert request.current_step.name == "Director above 100,000"
            assert Quote.objects.get(pk=quote.pk).state == "pending_approval"

    request.refresh_from_db()
    assert request.state == "approved"
    rep.goto(quote.get_absolute_url())
    quote.refresh_from_db()
    assert quote.state == "approved" and quote.decided_by == org.director
    head = rep.locator(".page-head").first.inner_text()
    assert "Approved" in head
    screenshot(rep, "7-quote-approved", full_page=False)

    # The presales engineer now sees the deal and changes it, as the role grants.
    outsider.goto(opportunity.get_absolute_url())
    assert "Port tender 2026" in outsider.locator("h1").inner_text()
    outsider.goto(f"/opportunities/{opportunity.pk}/edit/")
    outsider.locator("textarea[name=description]").fill("Presales: site survey done.")
    submit(outsider, 'form:has(input[name="custom.tender_number"])')
    changed = Opportunity.objects.get(pk=opportunity.pk).description
    assert changed == "Presales: site survey done.", outsider.locator("main").inner_text()

    # 4. In Chinese, the missing field is named in Chinese.
    second = _initiated(org, "Airport tender")
    rep_zh = open_as(org.rep, "zh-hans")
    _start_guiding(rep_zh, second)
    expect_language(rep_zh, "zh-hans")
    error = rep_zh.locator("ul.messages li.error")
    assert error.count() == 1 and "投标编号" in error.inner_text()
    screenshot(rep_zh, "8-field-required-zh", full_page=False)

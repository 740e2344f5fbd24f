"""The main journeys in a real browser, in English and in Simplified Chinese: a rep converts a
lead and takes the opportunity into ATI with the iron triangle assessing; a manager decides a
gate; finance records a receipt that settles a milestone; each user switches language.

Selectors use URLs, names and ids, never visible text, so one journey runs in both languages;
each step checks the page speaks the language chosen."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.utils import timezone

from contracts.services import contract_transition
from core import gates
from core.gates import GATE_TOPICS
from core.models import GateReview
from leads.models import Lead
from opportunities.models import Opportunity
from receivables.models import PaymentMilestone
from receivables.services import payment_plan_set
from tests.factories import ContractFactory, LeadFactory, OpportunityFactory, team

from .conftest import LANGUAGES, PHONE

#: One word of each main page per language, to check the page speaks the chosen one.
HOME = {"en": "Home", "zh-hans": "首页"}


def expect_language(page, language: str) -> None:
    assert page.locator("html").get_attribute("lang") == language
    assert page.locator("nav[aria-label] a").first.inner_text().strip() == HOME[language]


def submit(page, form_selector: str) -> None:
    """Press the form's primary button and wait for the page it leads to; a form asking for
    confirmation (an irreversible action) is confirmed in the shared dialog."""
    form = page.locator(form_selector).first
    button = form.locator("button[type=submit].primary").first
    if form.get_attribute("data-confirm") and not form.evaluate("f => !!f.closest('dialog')"):
        button.click()
        dialog = page.locator("#confirm-dialog")
        dialog.wait_for(state="visible")
        with page.expect_navigation():
            dialog.locator("[data-confirm-yes]").click()
        return
    with page.expect_navigation():
        button.click()


def assess(page, review: GateReview, verdict: str = "go") -> None:
    page.goto(review.get_absolute_url())
    form = page.locator("form:has(input[name=form][value=assess])")
    form.locator("select[name=verdict]").select_option(verdict)
    form.locator("input[name=confidence]").fill("75")
    form.locator("select[name=risk_level]").select_option("low")
    for topic in form.locator("textarea[name^=topic_]").all():
        topic.fill("Checked with the customer.")
    submit(page, "form:has(input[name=form][value=assess])")


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_rep_converts_a_lead_and_the_iron_triangle_assesses_ati(
    org, open_as, screenshot, language
):
    lead = LeadFactory(
        owner=org.rep,
        title="Port 5G campus",
        company_name="Guangzhou Port Group",
        need_confirmed=True,
        budget_confirmed=True,
        authority_identified=True,
        timeline_confirmed=True,
    )
    Lead.objects.filter(pk=lead.pk).update(state="verified")

    page = open_as(org.rep, language)
    page.goto(lead.get_absolute_url())
    expect_language(page, language)
    screenshot(page, "1-lead")
    with page.expect_navigation():
        page.locator(f'a[href="/opportunities/from-lead/{lead.pk}/"]').click()
    page.locator("select[name=sr]").select_option(str(org.sr.pk))
    page.locator("select[name=fr]").select_option(str(org.fr.pk))
    screenshot(page, "2-convert")
    submit(page, "main form[method=post]")

    opportunity = Opportunity.objects.get(lead=lead)
    assert page.url.endswith(opportunity.get_absolute_url())
    assert Lead.objects.get(pk=lead.pk).state == "converted"
    submit(page, f'form[action="/opportunities/{opportunity.pk}/gates/ati/open/"]')
    review = GateReview.objects.get(subject_id=opportunity.pk, kind="ati")
    assert page.url.endswith(review.get_absolute_url())
    expect_language(page, language)

    assess(page, review)
    screenshot(page, "3-ar-assessed")
    for member in (org.sr, org.fr):
        assess(open_as(member, language), review)
    page.reload()
    screenshot(page, "4-triangle-assessed")
    assert review.assessments.count() == 3
    # Every seat's recommendation is on the side-by-side table, none is missing.
    assert page.locator("table.side-by-side .badge.ok").count() == 6  # verdict + risk per seat

    home = open_as(org.manager, language)
    home.goto("/")
    expect_language(home, language)
    assert home.locator(f'a[href="{review.get_absolute_url()}"]').count() >= 1
    screenshot(home, "5-manager-home")


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_manager_decides_a_gate(org, open_as, screenshot, language):
    opportunity = OpportunityFactory(
        owner=org.rep, name="Metro ticketing", team=team(ar=org.rep, sr=org.sr, fr=org.fr)
    )
    review = gates.gate_open(subject=opportunity, kind="ati", by=org.rep)
    for user, role in ((org.rep, "ar"), (org.sr, "sr"), (org.fr, "fr")):
        gates.gate_assess(
            review=review,
            by=user,
            verdict="go",
            confidence=80,
            risk_level="low",
            topics={key: "ok" for key, _label in GATE_TOPICS["ati"][role]},
        )

    page = open_as(org.manager, language)
    page.goto("/gates/")
    expect_language(page, language)
    screenshot(page, "1-inbox")
    with page.expect_navigation():
        page.locator(f'a[href="{review.get_absolute_url()}"]').first.click()
    decide = "form:has(input[name=form][value=decide])"
    page.locator(f"{decide} input[name=decision][value=go]").check()
    page.locator(f"{decide} textarea[name=comment]").fill("Initiate; strong coach.")
    screenshot(page, "2-deciding")
    submit(page, decide)

    review.refresh_from_db()
    assert review.state == "go" and review.decided_by == org.manager
    assert Opportunity.objects.get(pk=opportunity.pk).state == "initiated"
    assert page.locator(f"{decide}").count() == 0  # decided: the form is gone
    assert page.locator("ul.messages li.success").count() == 1
    screenshot(page, "3-decided")


@pytest.mark.parametrize("language", LANGUAGES)
def test_finance_records_a_receipt_that_settles_a_milestone(org, open_as, screenshot, language):
    contract = ContractFactory(
        owner=org.rep, amount=Decimal("120000.00"), signed_on=timezone.localdate()
    )
    payment_plan_set(
        contract=contract,
        by=org.rep,
        milestones=[
            {
                "kind": "down_payment",
                "name": "Down payment",
                "percentage": Decimal("100"),
                "trigger": "on_signing",
                "credit_days": 0,
            }
        ],
    )
    contract_transition(contract=contract, name="sign", by=org.rep)
    milestone = PaymentMilestone.objects.get(contract=contract)
    assert milestone.state == "due"

    page = open_as(org.finance, language)
    page.goto("/collections/receipts/new/")
    expect_language(page, language)
    with page.expect_response(re.compile(r"allocation")):
        page.locator("select[name=contract]").select_option(str(contract.pk))
    page.locator("input[name=amount]").fill("120000.00")
    page.locator("select[name=method]").select_option("bank_transfer")
    page.locator("input[name=bank_reference]").fill("ICBC-2026-001")
    screenshot(page, "1-receipt")
    submit(page, "main form[method=post]")

    milestone.refresh_from_db()
    assert milestone.state == "paid" and milestone.paid_amount == Decimal("120000.00")
    page.goto(milestone.get_absolute_url())
    assert page.locator(".badge.ok").count() >= 1  # the milestone reads "paid"
    screenshot(page, "2-milestone-paid")


def test_the_language_switch_is_kept_per_user(org, browser, live_server, screenshot):
    org.rep.set_password("pass-1234-word")
    org.rep.save()
    context = browser.new_context(base_url=live_server.url, viewport=PHONE)
    try:
        page = context.new_page()
        page.goto("/login/")
        page.locator("input[name=username]").fill("rep")
        page.locator("input[name=password]").fill("pass-1234-word")
        with page.expect_navigation():
            page.locator("form:has(input[name=password]) button[type=submit]").click()
        expect_language(page, "en")
        screenshot(page, "1-phone-en")

        with page.expect_navigation():
            page.locator("#language-switch").select_option("zh-hans")
        expect_language(page, "zh-hans")
        org.rep.refresh_from_db()
        assert org.rep.language == "zh-hans"
        screenshot(page, "2-phone-zh")

        # Another user on the same browser keeps their own language.
        other = browser.new_context(base_url=live_server.url)
        try:
            page2 = other.new_page()
            page2.goto("/login/")
            org.finance.set_password("pass-1234-word")
            org.finance.save()
            page2.locator("input[name=username]").fill("finance")
            page2.locator("input[name=password]").fill("pass-1234-word")
            with page2.expect_navigation():
                page2.locator("form:has(input[name=password]) button[type=submit]").click()
            expect_language(page2, "en")
        finally:
            other.close()

        with page.expect_navigation():
            page.locator("#language-switch").select_option("en")
        expect_language(page, "en")
        org.rep.refresh_from_db()
        assert org.rep.language == "en"
    finally:
        context.close()

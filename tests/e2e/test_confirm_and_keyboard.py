"""In the browser: a destructive action asks in the shared dialog and Cancel sends nothing; a
lead is created with the keyboard alone (Tab, typing, arrow keys, Enter), every stop showing
its focus, starting from the skip link."""

from __future__ import annotations

from core.models import SavedView
from leads.models import Lead

FOCUS_OUTLINE = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const style = getComputedStyle(el);
  return {id: el.id, tag: el.tagName, cls: el.className, name: el.getAttribute('name'),
          outline: style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0,
          value: el.value === undefined ? null : el.value};
}"""


def test_a_destructive_action_asks_and_cancel_sends_nothing(org, open_as, screenshot):
    view = SavedView.objects.create(user=org.rep, page="leads:list", name="Hot", query="")
    page = open_as(org.rep)
    page.goto("/leads/")
    delete = page.locator(f'form[action$="/saved-views/{view.pk}/delete/"] button')
    delete.click()
    dialog = page.locator("#confirm-dialog")
    dialog.wait_for(state="visible")
    assert "Hot" in dialog.locator("[data-confirm-message]").inner_text()
    screenshot(page, "asks")
    dialog.locator("[data-confirm-cancel]").click()
    dialog.wait_for(state="hidden")
    assert page.url.endswith("/leads/")
    assert SavedView.objects.filter(pk=view.pk).exists()  # nothing was sent
    delete.click()
    dialog.wait_for(state="visible")
    with page.expect_navigation():
        dialog.locator("[data-confirm-yes]").click()
    assert not SavedView.objects.filter(pk=view.pk).exists()


def test_a_lead_is_created_with_the_keyboard_alone(org, open_as, screenshot):
    page = open_as(org.rep)
    page.goto("/leads/new/")
    page.keyboard.press("Tab")
    first = page.evaluate(FOCUS_OUTLINE)
    assert "skip" in first["cls"] and first["outline"], first  # the skip link comes first
    page.keyboard.press("Enter")  # past the navigation, into the content
    typed = {"id_title": "Keyboard lead", "id_company_name": "Keyboard Works Ltd"}
    chosen = {"id_source", "id_buying_pattern", "id_currency"}
    done: set[str] = set()
    for _step in range(80):
        page.keyboard.press("Tab")
        focused = page.evaluate(FOCUS_OUTLINE)
        assert focused is not None and focused["outline"], focused  # focus is always visible
        if focused["id"] in typed and focused["id"] not in done:
            page.keyboard.type(typed[focused["id"]])
            done.add(focused["id"])
        elif focused["id"] in chosen and focused["id"] not in done:
            if not focused["value"]:
                page.keyboard.press("ArrowDown")
            done.add(focused["id"])
        elif focused["tag"] == "BUTTON" and "primary" in focused["cls"]:
            assert done >= set(typed), done
            screenshot(page, "filled")
            with page.expect_navigation():
                page.keyboard.press("Enter")
            break
    else:
        raise AssertionError("the Save button was never reached by Tab")
    lead = Lead.objects.get(title="Keyboard lead")
    assert lead.company_name == "Keyboard Works Ltd"
    screenshot(page, "created")

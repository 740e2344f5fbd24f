"""The walk's probes find what they look for (and nothing else), on small pages made here: a
page wider than the screen, an element past the edge, a cut badge, a too small control, the
actions not at the bottom; a wide table in a scrolling box is fine. And the English check knows
an English msgid and an English choice label, not the Chinese of either."""

from __future__ import annotations

from .walk import MEASURE, TAP_TARGETS, english_leaks

BAD = """<body><main id="content">
  <div class="page-head"><div class="actions"><a class="btn" href="#">Edit</a></div></div>
  <div style="width: 600px">too wide</div>
  <span style="display: inline-block; width: 40px; overflow: hidden; white-space: nowrap">
    a badge cut short</span>
  <button style="height: 24px">tiny</button>
</main></body>"""

GOOD = """<body><main id="content">
  <div class="page-head"><div class="actions" style="position: fixed; bottom: 0">
    <a class="btn" href="#" style="display: inline-block; height: 44px">Edit</a></div></div>
  <div style="overflow-x: auto"><table style="width: 900px"><tr><td>wide</td></tr></table></div>
  <span style="white-space: normal">a badge that wraps</span>
</main></body>"""


def test_the_probes_find_overflow_cuts_and_small_targets(browser):
    page = browser.new_page(viewport={"width": 390, "height": 844})
    try:
        page.set_content(BAD)
        found = "\n".join(page.evaluate(MEASURE))
        assert "the page is" in found and 'div "too wide" reaches 608px' in found, found
        assert "is cut" in found and "a badge cut short" in found, found
        small = "\n".join(page.evaluate(TAP_TARGETS))
        assert "24px tall" in small and "not in a bar at the bottom" in small, small
        page.set_content(GOOD)
        assert page.evaluate(MEASURE) == []
        assert page.evaluate(TAP_TARGETS) == []
    finally:
        page.close()


def test_the_english_check_knows_msgids_and_choice_labels():
    leaks = english_leaks(["Save", "Verified", "保存", "已验证", "中国移动", "OPP-000001"])
    assert [leak.split(": ")[-1] for leak in leaks] == ["'Save'", "'Verified'"], leaks

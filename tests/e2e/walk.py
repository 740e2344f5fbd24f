"""The walk of every page (issue 19, checks 1 and 3), shared by the `test_walk_*` modules.

For one role, both languages: every page of the URL map the role may open is loaded once; at
1440 px, 390 px (and 1280 px on the widest pages), reached by resizing, never reloading (a page
loads at the width the previous one ended at), the page must be no wider than the screen and no
visible element may be cut; in Chinese no visible text may be an English msgid of the project's
catalogues or an English choice label. All failures of all pages are reported together. Pages a
role may not open (403/404, or POST only) are recorded as skipped; a 500 fails. Runtime matters
(CI runs the suite twice): one seed per role, one load per page and language.
"""

from __future__ import annotations

import functools
import gettext
import io
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import connection
from django.utils import translation

from accounts.models import User

from .pages import add_what_the_demo_lacks, page_urls

ROOT = Path(__file__).resolve().parents[2]
WIDE = {"width": 1440, "height": 900}
LAPTOP_1280 = {"width": 1280, "height": 860}
PHONE_390 = {"width": 390, "height": 844}

#: Pages with the widest content (boards, tables of quarters and ageing buckets): also at 1280 px.
WIDEST = {
    "home",
    "leads:board",
    "opportunities:board",
    "opportunities:forecast",
    "keyaccounts:funnel",
    "keyaccounts:pipeline",
    "keyaccounts:collections",
    "receivables:milestones",
    "receivables:reports",
}

#: The rep's daily pages, designed for the phone first (issue 19.9): at 390 px every control is
#: at least 40 px tall and the page's actions sit in a bar at the bottom, in reach of the thumb.
PHONE_FIRST = {
    "home",
    "leads:detail",
    "opportunities:detail",
    "accounts:customer-detail",
    "receivables:battle-map",
}

#: Pages that are English by design: the API reference (Swagger UI, and the schema's names are
#: the API's field and resource names, which integrators read in English).
ENGLISH_BY_DESIGN = {"api-docs"}

#: Record names the demo's users typed in English (a delivery milestone, a document): content,
#: not interface text, though they equal a choice label.
DEMO_CONTENT = {"warranty start", "signed contract"}

#: Finds what sticks out: the page wider than the screen, elements past the right edge with no
#: ancestor scrolling sideways (only the outermost one: its parent still fits), and elements whose
#: overflow is hidden or ellipsised while their content is wider than their box (a cut badge).
MEASURE = """() => {
  const width = window.innerWidth;
  const found = [];
  const root = document.documentElement;
  if (root.scrollWidth > width) found.push(`the page is ${root.scrollWidth}px wide`);
  const name = (el) => el.tagName.toLowerCase() + (el.id ? "#" + el.id : "")
    + [...el.classList].map((c) => "." + c).join("")
    + ` "${(el.innerText || el.value || "").trim().replace(/\\s+/g, " ").slice(0, 40)}"`;
  const scrollsSideways = (el) => {
    for (let a = el.parentElement; a && a !== document.body; a = a.parentElement) {
      const o = getComputedStyle(a).overflowX;
      if (o === "auto" || o === "scroll") return true;
    }
    return false;
  };
  for (const el of document.body.querySelectorAll("*")) {
    if (found.length > 25) break;
    // Cheap reads first (layout is done): most elements neither stick out nor hide content.
    const box = el.getBoundingClientRect();
    if (box.width === 0 || box.height === 0 || box.right <= 0) continue;  // off-screen on purpose
    if (box.right > width + 1) {
      const parent = el.parentElement.getBoundingClientRect();
      if (parent.right <= width + 1 && el.checkVisibility() && !scrollsSideways(el)) {
        found.push(`${name(el)} reaches ${Math.round(box.right)}px`);
      }
      continue;
    }
    const field = ["SELECT", "TEXTAREA", "INPUT"].includes(el.tagName);
    if (field || el.scrollWidth <= el.clientWidth + 1) continue;
    const style = getComputedStyle(el);
    const hides = ["hidden", "clip"].includes(style.overflowX) || style.textOverflow === "ellipsis";
    if (hides && el.checkVisibility()) {
      found.push(`${name(el)} is cut: ${el.scrollWidth}px in ${el.clientWidth}px`);
    }
  }
  return found;
}"""

TAP_TARGETS = """() => {
  const found = [];
  const controls = "button, .btn, select, textarea, "
    + "input:not([type=hidden]):not([type=checkbox]):not([type=radio])";
  for (const el of document.querySelectorAll(`#content :is(${controls})`)) {
    if (!el.checkVisibility()) continue;
    const box = el.getBoundingClientRect();
    if (box.width && box.height < 39.5) {
      found.push(`${el.tagName.toLowerCase()} "${(el.innerText || el.name || "").trim()
        .slice(0, 30)}" is ${Math.round(box.height)}px tall to tap`);
    }
  }
  const bar = document.querySelector(".page-head .actions");
  const barBottom = bar && bar.children.length ? bar.getBoundingClientRect().bottom : innerHeight;
  if (Math.abs(barBottom - innerHeight) > 1) {
    found.push("the page's actions are not in a bar at the bottom of the screen");
  }
  return found;
}"""

#: Resolves once the page has drawn twice after a resize (charts redraw on the next frame).
SETTLED = "() => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)))"

#: Every text a person sees: text nodes of visible elements, options of visible selects,
#: placeholders and button values.
TEXTS = """() => {
  const out = new Set();
  const add = (t) => { t = (t || "").replace(/\\s+/g, " ").trim(); if (t) out.add(t); };
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    const p = n.parentElement;
    if (!p || p.closest("script, style, template, noscript")) continue;
    const shown = p.tagName === "OPTION" ? p.closest("select") : p;
    if (shown && shown.checkVisibility()) add(n.nodeValue);
  }
  const fields = "[placeholder], input[type=submit], input[type=button]";
  for (const el of document.querySelectorAll(fields)) {
    if (el.checkVisibility()) add(el.placeholder || el.value);
  }
  add(document.title);
  return [...out];
}"""


@functools.cache
def english_strings() -> dict[str, str]:
    """Lower-cased English text that has a different Chinese text -> where it comes from: the
    msgids of the project's catalogues and the English labels of every model field's choices."""
    found: dict[str, str] = {}
    for mo in ROOT.glob("*/locale/zh_Hans/LC_MESSAGES/django.mo"):
        if ".venv" in mo.parts:
            continue
        with mo.open("rb") as handle:
            catalogue = gettext.GNUTranslations(handle)._catalog
        for msgid, msgstr in catalogue.items():
            if isinstance(msgid, str) and msgid and msgstr and msgstr != msgid:
                found.setdefault(msgid.split("\x04")[-1].strip().lower(), f"msgid ({mo.parts[-5]})")
    for model in apps.get_models():
        for model_field in model._meta.get_fields():
            for _value, label in getattr(model_field, "flatchoices", None) or []:
                with translation.override("en"):
                    english = str(label)
                with translation.override("zh-hans"):
                    chinese = str(label)
                if english and english != chinese:
                    found.setdefault(english.strip().lower(), f"choice of {model._meta.label}")
    found.pop("", None)
    return found


def english_leaks(texts: list[str]) -> list[str]:
    english = english_strings()
    leaks = []
    for text in texts:
        key = re.sub(r"[\s:：·,，…]+$", "", text).lower()
        if key in english and key not in DEMO_CONTENT:
            leaks.append(f"English {english[key]}: {text!r}")
    return leaks


@dataclass
class Walk:
    """What one role's walk found."""

    username: str
    failures: dict[str, list[str]] = field(default_factory=dict)
    skipped: dict[str, int] = field(default_factory=dict)
    walked: int = 0

    def fail(self, where: str, problems: list[str]) -> None:
        if problems:
            self.failures.setdefault(where, []).extend(problems)

    def report(self) -> str:
        lines = [f"{self.username}: {len(self.failures)} page(s) failing"]
        for where, problems in self.failures.items():
            lines.append(f"  {where}")
            lines += [f"    - {problem}" for problem in problems]
        return "\n".join(lines)


def seed_demo() -> None:
    """The demo company to walk. The walk opens every page for five roles in two languages
    (about 1,900 page loads, some two minutes of test time on two cores); it runs on the
    embedded default only: what a browser shows does not depend on the database, and every
    page is still rendered on PostgreSQL by the access matrix (tests/trust/)."""
    if connection.vendor != "sqlite":
        pytest.skip("the page walk runs on the embedded default (SQLite) only")
    call_command("seed_demo", password="walk-demo-pass-1", stdout=io.StringIO())
    add_what_the_demo_lacks()


def walk_role(open_as, screenshot, username: str, shots: dict[str, str], pages=None) -> Walk:
    """Walk every page for `username` in both languages; `shots` names the pages (URL name ->
    file slug) to photograph at 1440 and 390 px, besides the home page; `pages` narrows the
    walk to those (URL name, URL) pairs (default: every page of the URL map)."""
    user = User.objects.get(username=username)
    walk = Walk(username)
    # The first language's load tells which pages the role may open (403/404/405 are skipped,
    # in both languages); asking first with a test client would render every page once more.
    pages = page_urls() if pages is None else pages
    if only := os.environ.get("WALK_ONLY"):  # while working on some pages: a regex of URL names
        pages = [(name, url) for name, url in pages if re.search(only, name)]
    shots = {"home": "home", **shots}
    for language in ("en", "zh-hans"):
        if language != "en":
            pages = [(name, url) for name, url in pages if name not in walk.skipped]
        page = open_as(user, language, WIDE)
        page.set_default_timeout(15_000)
        showing = WIDE
        for name, url in pages:
            where = f"{language} {name} {url}"
            response = page.goto(url, wait_until="load")
            status = response.status if response is not None else 0
            if status in (403, 404, 405) and language == "en":
                walk.skipped[name] = status
                continue
            if status == 0 or status >= 400:
                walk.fail(where, [f"status {status} in the browser"])
                continue
            walk.walked += 1
            sizes = [WIDE, LAPTOP_1280, PHONE_390] if name in WIDEST else [WIDE, PHONE_390]
            if showing is PHONE_390:  # loaded at 390 px, it widens: one resize a page, not two
                sizes.reverse()
            for step, size in enumerate(sizes):
                if step:
                    page.set_viewport_size(size)
                    page.evaluate(SETTLED)
                walk.fail(where, [f"{size['width']}px: {p}" for p in page.evaluate(MEASURE)])
                if size is WIDE and language == "zh-hans" and name not in ENGLISH_BY_DESIGN:
                    walk.fail(where, english_leaks(page.evaluate(TEXTS)))
                if size is PHONE_390 and name in PHONE_FIRST:
                    walk.fail(where, [f"390px: {p}" for p in page.evaluate(TAP_TARGETS)])
                if name in shots and size is not LAPTOP_1280:
                    screenshot(page, f"{language}-{shots[name]}-{size['width']}", full_page=False)
            showing = sizes[-1]
    return walk


def walked_enough(walk: Walk, least: int) -> bool:
    """Whether the walk reached as many pages as a whole walk must (a walk narrowed with
    WALK_ONLY to the pages one works on reaches fewer; their failures still count)."""
    return bool(os.environ.get("WALK_ONLY")) or walk.walked > least

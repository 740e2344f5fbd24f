"""Turn the browser tests' screenshots into the README's small gallery (docs/gallery/).

The walk (`tests/e2e/test_walk_*.py`) photographs every role's home, the board, an opportunity,
a gate review, the collections board and the funnel, at 1440 and 390 px, in English and
Chinese, under tests/artifacts/e2e/. This script keeps the first screen of each (a laptop's
1440 x 900, a phone's 390 x 844), downscaled to 720 px and 300 px wide, as JPEG: a gallery of
well under 2 MB. Pillow is not a dependency, so the browser the tests already use does the
cropping and scaling (an <img> in a page of that size, photographed).

    .venv/bin/python -m pytest tests/e2e/test_walk_*.py   # makes the screenshots
    .venv/bin/python scripts/gallery.py                  # writes docs/gallery/*.jpg
"""

from __future__ import annotations

import re
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHOTS = ROOT / "tests" / "artifacts" / "e2e"
GALLERY = ROOT / "docs" / "gallery"
#: Test name -> the role it walks as, for the file names.
ROLES = {
    "rep": "rep",
    "manager": "manager",
    "director": "director",
    "finance": "finance",
    "administrator": "admin",
    "admin": "admin",
}
#: width of the screenshot -> (width in the gallery, height of the first screen at full size)
SIZES = {1440: (720, 900), 390: (300, 844)}
QUALITY = 72
BUDGET = 2 * 1024 * 1024
NAME = re.compile(
    r"test_every_page_fits_and_speaks_chinese_for_(?:the_)?(?P<role>\w+?)-"
    r"(?P<language>en|zh-hans)-(?P<screen>[\w-]+)-(?P<width>1440|390)\.png$"
)


#: Pages photographed by a test of their own (its screenshot name -> the gallery's stem).
OWN = re.compile(r"test_gate_flow_page_in_a_browser-(?P<language>en|zh-hans)-gate-flow-1440\.png$")


def shots() -> list[tuple[Path, str, int]]:
    """(screenshot, gallery file stem, width) of every screenshot the walk made."""
    found = []
    for path in sorted(SHOTS.glob("test_gate_flow_page*.png")):
        match = OWN.match(path.name)
        if match:
            found.append((path, f"gate-flow-{match['language']}-laptop", 1440))
    for path in sorted(SHOTS.glob("test_every_page_fits*.png")):
        match = NAME.match(path.name)
        if not match:
            continue
        role, screen = ROLES.get(match["role"], match["role"]), match["screen"]
        label = screen if screen != "home" else f"home-{role}"
        width = int(match["width"])
        device = "laptop" if width == 1440 else "phone"
        found.append((path, f"{label}-{match['language']}-{device}", width))
    return found


def main() -> int:
    todo = shots()
    if not todo:
        print(f"no screenshots under {SHOTS}: run the tests/e2e/test_walk_*.py tests first")
        return 1
    GALLERY.mkdir(parents=True, exist_ok=True)
    for old in GALLERY.glob("*.jpg"):
        old.unlink()
    render(todo)
    total = sum(p.stat().st_size for p in GALLERY.glob("*.jpg"))
    print(f"{len(todo)} pictures, {total / 1024:.0f} KiB in {GALLERY.relative_to(ROOT)}")
    if total > BUDGET:
        print("over the 2 MB budget: lower QUALITY")
        return 1
    return 0


def render(todo: list[tuple[Path, str, int]]) -> None:
    """Write each screenshot's first screen, downscaled, as docs/gallery/<stem>.jpg."""
    from playwright.sync_api import sync_playwright

    executable = shutil.which("chromium")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=["--no-sandbox"])
        for path, stem, width in todo:
            small, screen_height = SIZES[width]
            height = round(screen_height * small / width)
            page = browser.new_page(viewport={"width": small, "height": height})
            page.set_content(
                f'<body style="margin:0"><img src="data:image/png;base64,{_base64(path)}" '
                f'style="display:block;width:{small}px"></body>'
            )
            page.screenshot(
                path=str(GALLERY / f"{stem}.jpg"), type="jpeg", quality=QUALITY, scale="css"
            )
            page.close()
        browser.close()


def _base64(path: Path) -> str:
    import base64

    return base64.b64encode(path.read_bytes()).decode("ascii")


if __name__ == "__main__":
    sys.exit(main())

"""Screenshots of the gate-flow view and the cash-in curve on the demo data, in English and
简体中文, at 1440 px: `docs/screenshots/*.png`, linked from the README's "What it looks like".

A throwaway SQLite database in a temporary directory: `migrate`, `seed_demo`, the gate-flow
rollup and the cash-in forecast refreshed (their beat jobs' work); the app served by
`runserver` on a free loopback port;
Debian's chromium, through Playwright (as the browser tests drive it), signed in as the demo
administrator (the whole company's flow) and finance (the cash-in curve) with the language
stored on the user, as the language switch does; each page photographed whole, 1440 px wide.

    .venv/bin/python scripts/screenshots.py            # writes docs/screenshots/*.png
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "docs" / "screenshots"
WIDTH, HEIGHT = 1440, 900
LANGUAGES = ["en", "zh-hans"]
#: (file stem, demo user, path, what must be drawn before the picture is taken)
SHOTS = [
    ("gate-flow", "admin", "/insights/gate-flow/", ".flow-chart svg path"),
    # (the demo's deals moved through their stages within the seeding second: the times are 0)
    ("cash-in-curve", "fin.sun", "/collections/cash-forecast/", "canvas"),
]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for(url: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2):  # noqa: S310 (our loopback server)
                return
        except OSError:
            time.sleep(0.5)
    raise SystemExit(f"the server did not answer at {url}")


def main() -> int:
    executable = shutil.which("chromium")
    if executable is None:
        print("Debian's chromium is not installed")
        return 1
    workdir = Path(tempfile.mkdtemp(prefix="ltc-screenshots-"))
    os.environ.pop("REDIS_URL", None)
    os.environ["DATABASE_URL"] = f"sqlite:///{workdir / 'demo.sqlite3'}"
    os.environ.setdefault("DEBUG", "1")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ltc.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command
    from django.test import Client

    from accounts.models import User
    from insights.services import gate_flow_refresh
    from receivables.tasks import refresh_cash_forecast

    quiet = open(os.devnull, "w")  # noqa: SIM115
    call_command("migrate", verbosity=0, stdout=quiet)
    call_command("seed_demo", stdout=quiet)
    gate_flow_refresh(full=True)
    refresh_cash_forecast()  # the hourly job's predictions

    port = free_port()
    server = subprocess.Popen(  # noqa: S603
        [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
        cwd=ROOT,
        env=os.environ.copy(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    OUT.mkdir(parents=True, exist_ok=True)
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"  # the ORM beside Playwright's loop
    try:
        wait_for(f"{base}/login/")
        from playwright.sync_api import sync_playwright

        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=executable, args=["--no-sandbox", "--disable-gpu"]
            )
            for stem, username, path, drawn in SHOTS:
                user = User.objects.get(username=username)
                for language in LANGUAGES:
                    user.language = language
                    user.save(update_fields=["language"])
                    client = Client()
                    client.force_login(user)
                    context = browser.new_context(
                        base_url=base, viewport={"width": WIDTH, "height": HEIGHT}
                    )
                    context.add_cookies(
                        [
                            {"name": name, "value": morsel.value, "url": base}
                            for name, morsel in client.cookies.items()
                        ]
                    )
                    page = context.new_page()
                    page.goto(path)
                    page.wait_for_selector(drawn)
                    page.wait_for_timeout(800)  # the charts' entry animation
                    target = OUT / f"{stem}-{language}.png"
                    page.screenshot(path=str(target), full_page=True)
                    print(target.relative_to(ROOT))
                    context.close()
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=10)
        shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

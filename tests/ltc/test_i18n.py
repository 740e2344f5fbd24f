"""English and Simplified Chinese: every catalogue complete, none missing a string of the code,
and pages really speak Chinese."""

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CATALOGUES = sorted(
    p for p in ROOT.glob("**/locale/zh_Hans/LC_MESSAGES/django.po") if ".venv" not in p.parts
)


def entries(po: Path) -> list[dict]:
    """A small .po reader: msgid, msgid_plural, msgstr values and flags of every entry."""
    found, current, field = [], None, None
    for line in po.read_text(encoding="utf-8").splitlines() + [""]:
        if not line.strip():
            if current and "msgid" in current:
                found.append(current)
            current, field = None, None
            continue
        current = current or {"flags": "", "msgstr": []}
        if line.startswith("#,"):
            current["flags"] += line
        elif line.startswith("#"):
            continue
        elif match := re.match(r'(msgid|msgid_plural|msgstr(?:\[\d+\])?|msgctxt) "(.*)"$', line):
            field, text = match.groups()
            if field.startswith("msgstr"):
                current["msgstr"].append(text)
                field = ("msgstr", len(current["msgstr"]) - 1)
            else:
                current[field] = text
        elif line.startswith('"') and field:
            text = line[1:-1]
            if isinstance(field, tuple):
                current["msgstr"][field[1]] += text
            else:
                current[field] += text
    return found


def test_there_is_a_catalogue_per_app():
    apps = {p.relative_to(ROOT).parts[0] for p in CATALOGUES}
    assert {
        "locale",
        "core",
        "accounts",
        "leads",
        "opportunities",
        "contracts",
        "receivables",
    } <= apps


@pytest.mark.parametrize("po", CATALOGUES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_entry_is_translated_and_not_fuzzy(po):
    problems = []
    for entry in entries(po):
        if entry["msgid"] == "":
            assert "fuzzy" not in entry["flags"], f"{po}: header is fuzzy"
            continue
        if "fuzzy" in entry["flags"]:
            problems.append(f"fuzzy: {entry['msgid']!r}")
        if not all(entry["msgstr"]):
            problems.append(f"untranslated: {entry['msgid']!r}")
        placeholders = set(re.findall(r"%\(\w+\)[sd]|\{\w*\}", entry["msgid"]))
        if placeholders and not all(
            placeholders <= set(re.findall(r"%\(\w+\)[sd]|\{\w*\}", s)) for s in entry["msgstr"]
        ):
            problems.append(f"placeholders differ: {entry['msgid']!r}")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("po", CATALOGUES, ids=lambda p: str(p.relative_to(ROOT)))
def test_the_compiled_catalogue_is_current(po):
    mo = po.with_suffix(".mo")
    assert mo.exists(), f"{mo} missing: run compilemessages"
    assert mo.stat().st_mtime >= po.stat().st_mtime - 1, f"{mo} older than its .po"


@pytest.mark.skipif(shutil.which("xgettext") is None, reason="GNU gettext not installed")
def test_no_catalogue_misses_a_string_of_the_code(tmp_path):
    """makemessages on a copy of the tree finds no msgid the committed catalogues lack."""
    copy = tmp_path / "src"
    shutil.copytree(
        ROOT,
        copy,
        ignore=shutil.ignore_patterns(
            ".venv",
            ".git",
            "node_modules",
            "__pycache__",
            "*.mo",
            "staticfiles",
            "media",
            "*.sqlite3",
            "bench",
            "tests",
        ),
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "makemessages", "-l", "zh_Hans", "--no-obsolete"],
        cwd=copy,
        capture_output=True,
        text=True,
        timeout=300,
        env={
            "PATH": "/usr/bin:/bin",
            "DEBUG": "1",
            "DJANGO_SETTINGS_MODULE": "ltc.settings",
            "PYTHONPATH": ":".join(sys.path),
        },
    )
    assert result.returncode == 0, result.stderr
    missing = []
    for po in CATALOGUES:
        committed = {e["msgid"] for e in entries(po)}
        regenerated = {e["msgid"] for e in entries(copy / po.relative_to(ROOT))}
        missing += [f"{po.relative_to(ROOT)}: {m!r}" for m in sorted(regenerated - committed)]
    assert not missing, "catalogues miss strings (run makemessages):\n" + "\n".join(missing)


@pytest.mark.django_db
def test_pages_speak_chinese_to_a_user_who_chose_it(client, org):
    org.rep.language = "zh-hans"
    org.rep.save()
    client.force_login(org.rep)
    page = client.get("/leads/").content.decode()
    assert 'lang="zh-hans"' in page
    assert "线索" in page
    assert ">Leads<" not in page and "New lead" not in page

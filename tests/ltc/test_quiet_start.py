"""`make run` on a fresh clone: what a newcomer reads is the demo users, the URL and where to
read next — no warnings to puzzle over, no task log, no secret. The README names the same
users with the same roles the app shows."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_a_fresh_demo_database_starts_quietly(tmp_path):
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DJANGO_SETTINGS_MODULE", "REDIS_URL", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    }
    env.update(DEBUG="1", DATABASE_URL=f"sqlite:///{tmp_path / 'demo.sqlite3'}")
    out = ""
    for args in (["migrate", "--noinput", "-v", "0"], ["seed_demo", "--url", "http://x/"]):
        result = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert result.returncode == 0, result.stderr[-2000:]
        out += result.stdout + result.stderr
    assert not re.search(r"WARNING|INFO|Traceback|deprecat", out, re.IGNORECASE), out[-3000:]
    assert "lcs_" not in out  # a web-to-lead key is a secret
    assert "Open http://x/ and sign in" in out and "Read next:" in out
    printed = dict(re.findall(r"^  ([a-z]+\.[a-z]+|admin) +(.+?)  ", out, re.MULTILINE))
    assert len(printed) >= 10, out

    readme = (ROOT / "README.md").read_text()
    listed = re.findall(r"^\| `([a-z.]+)` \|", readme, re.MULTILINE)
    assert sorted(listed) == sorted(printed), "the README's demo users are the ones printed"
    for username, role in printed.items():
        row = re.search(rf"^\| `{re.escape(username)}` \| ([^|]+) \|", readme, re.MULTILINE)
        assert row, f"README does not list {username}"
        assert row.group(1).strip() == role.strip(), (username, row.group(1), role)

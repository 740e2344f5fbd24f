"""The restore drill (scripts/restore_drill.sh): a pg_dump of a database with the demo company
restores into a fresh database that migrates, passes its checks and has every row."""

import contextlib
import io
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="the drill is for PostgreSQL"),
    pytest.mark.skipif(shutil.which("pg_dump") is None, reason="needs the PostgreSQL client"),
]


def url_for(name: str) -> str:
    s = connection.settings_dict
    auth = s["USER"] + (f":{s['PASSWORD']}" if s["PASSWORD"] else "")
    return f"postgres://{auth}@{s['HOST'] or 'localhost'}:{s['PORT'] or 5432}/{name}"


def test_a_backup_restores_to_a_working_app(tmp_path):
    from django.core.management import call_command

    call_command("seed_demo", password="drill-pass-123", stdout=io.StringIO())
    source = url_for(connection.settings_dict["NAME"])
    target = url_for(connection.settings_dict["NAME"] + "_restored")
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    env.update({"DEBUG": "1", "PYTHON": str(ROOT / ".venv/bin/python")})
    if not Path(env["PYTHON"]).exists():
        import sys

        env["PYTHON"] = sys.executable
    result = subprocess.run(
        ["bash", str(ROOT / "scripts/restore_drill.sh"), source, target, str(tmp_path / "b.dump")],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "books reconcile" in result.stdout and "restore drill passed" in result.stdout
    assert (tmp_path / "b.dump").stat().st_size > 10_000
    # Clean-up only: the drill itself drops the copy before restoring. On a busy server the
    # drop can wait behind other sessions' CREATE DATABASE; that is no failure of the drill.
    with contextlib.suppress(subprocess.TimeoutExpired):
        subprocess.run(
            [
                "psql",
                url_for("postgres"),
                "-c",
                f'DROP DATABASE IF EXISTS "{target.rsplit("/", 1)[1]}" WITH (FORCE)',
            ],
            capture_output=True,
            timeout=300,
        )

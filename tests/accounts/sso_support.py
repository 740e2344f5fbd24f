"""Helpers for the single sign-on tests: start a local server process and wait for its
"READY <port>" line, bounded in time; stop it."""

from __future__ import annotations

import os
import select
import subprocess
import sys
import time
from pathlib import Path

from tests.processes import stop_process

ROOT = Path(__file__).resolve().parents[2]


def start_process(args: list[str], env: dict, ready: str, timeout: float = 30) -> tuple:
    """Start `args` (cwd: the repository) and wait until a line starting with `ready` is
    printed; answers (process, that line)."""
    process = subprocess.Popen(
        args,
        cwd=ROOT,
        env={**os.environ, **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    deadline = time.monotonic() + timeout
    seen = []
    while time.monotonic() < deadline:
        readable, _, _ = select.select([process.stdout], [], [], deadline - time.monotonic())
        if not readable:
            break
        line = process.stdout.readline()
        if not line:
            break
        seen.append(line)
        if line.startswith(ready):
            return process, line.strip()
    stop_process(process)
    raise RuntimeError(f"{args[0]} did not start: {''.join(seen)[-2000:]}")


PYTHON = sys.executable

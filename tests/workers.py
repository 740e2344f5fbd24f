"""Starting a real Celery worker from a test (the worker and fault-drill tests share it)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def start_celery_worker(
    queue: str, *, database_url: str, settings_module: str, **popen
) -> subprocess.Popen:
    """A solo-pool worker consuming only `queue`, on this test run's database."""
    env = {**os.environ, "DATABASE_URL": database_url, "DJANGO_SETTINGS_MODULE": settings_module}
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "ltc",
            "worker",
            "--pool",
            "solo",
            "--queues",
            queue,
            "--loglevel",
            "warning",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
        ],
        cwd=ROOT,
        env=env,
        **popen,
    )

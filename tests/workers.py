"""Starting a real Celery worker from a test (the worker and fault-drill tests share it)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.processes import stop_process

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


def start_drill_worker(queue: str) -> subprocess.Popen:
    """A fault drill's worker (tests/faults/worker_settings.py: a short visibility timeout) on
    this test process's own PostgreSQL test database, its output discarded."""
    from django.conf import settings

    database = settings.DATABASES["default"]["NAME"]
    return start_celery_worker(
        queue,
        database_url=os.environ["DATABASE_URL"].rsplit("/", 1)[0] + "/" + database,
        settings_module="tests.faults.worker_settings",
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def stop_worker(process: subprocess.Popen) -> None:
    """Ask a worker to stop; kill it after 15 s."""
    stop_process(process, timeout=15)

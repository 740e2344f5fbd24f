"""Issue 24.5's costs: what the read replica's router adds to a request.

- the probe (the primary's WAL position, then the replica's replay position and lag), which
  each process runs at most every REPLICA_CHECK_SECONDS;
- the read-your-writes look-up every marked read makes (one cache GET);
- a new connection to the replica, and one refused by a stopped replica (what a marked read
  pays when the replica has gone since the last probe, before the primary serves).

Against a primary and a hot standby of it, e.g. made by hand as tests/ltc/test_read_replica.py
makes them (initdb; pg_basebackup -R; pg_ctl start on two ports):

    export DATABASE_URL=postgres://postgres@127.0.0.1:PRIMARY/postgres \
           DATABASE_REPLICA_URL=postgres://postgres@127.0.0.1:REPLICA/postgres
    .venv/bin/python bench/bench_replica.py --repeat 500
"""

from __future__ import annotations

import argparse
import contextlib
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ltc.settings")
os.environ.setdefault("DEBUG", "1")

import django  # noqa: E402

django.setup()

from django.contrib.auth.models import AnonymousUser  # noqa: E402
from django.db import OperationalError, connections  # noqa: E402

from core import replica  # noqa: E402


def timed(label: str, repeat: int, work) -> None:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        work()
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    p95 = times[int(0.95 * (len(times) - 1))]
    print(f"{label:<58} n={repeat:<5} p50 {statistics.median(times):7.2f} ms  p95 {p95:7.2f} ms")


class Someone:
    """A signed-in user for the cache look-up (no database row needed)."""

    pk = 1
    is_authenticated = True


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=500)
    args = parser.parse_args()
    if not replica.configured():
        sys.exit("set DATABASE_REPLICA_URL")
    usable, reason = replica._probe()
    print(f"replica: {'usable' if usable else 'not usable'} ({reason})")
    timed("probe (primary LSN + replica lag, open connections)", args.repeat, replica._probe)
    timed(
        "read-your-writes look-up (cache GET)",
        args.repeat,
        lambda: replica.wrote_recently(Someone()),
    )
    timed(
        "may_read_from_replica, probe cached",
        args.repeat,
        lambda: replica.may_read_from_replica(AnonymousUser()),
    )

    def reconnect():
        connections[replica.REPLICA].close()
        with contextlib.suppress(OperationalError):  # a stopped replica: this times the refusal
            connections[replica.REPLICA].ensure_connection()

    timed(
        "new connection to the replica (refused if stopped)", max(args.repeat // 10, 5), reconnect
    )


if __name__ == "__main__":
    main()

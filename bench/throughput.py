"""Sustained mixed read/write throughput against the app served as deployed (gunicorn).

Starts gunicorn (`ltc.wsgi`, `--workers`, loopback) on the scale data set, then runs
`--clients` threads for `--seconds`, each sending requests back to back with keep-alive off
(http.client, like a browser's fresh connections through a proxy): mostly list and detail
reads of leads, opportunities and payment milestones (first pages and filtered), and lead
creations and updates (`--writes` share, default 10%) through the API as three region
managers and reps. Prints requests/s, p50/p95/p99 per kind and errors. Writes are real (new
leads titled "bench-throughput …"); run it on the bench database only.

`--nodes N` starts N such gunicorn servers on consecutive ports (each with `--workers`), as N
web nodes behind a load balancer: the clients spread their requests round-robin over them
(what deploy/nginx.conf does), so a second node's gain is measured, not assumed.

    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/ltc_bench
    .venv/bin/python bench/throughput.py --workers 3 --clients 8 --seconds 60
    .venv/bin/python bench/throughput.py --workers 3 --clients 16 --seconds 60 --nodes 2
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import signal
import statistics
import subprocess
import sys
import threading
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ltc.settings")
os.environ.setdefault("DEBUG", "1")

import django  # noqa: E402

django.setup()

from rest_framework.authtoken.models import Token  # noqa: E402

from accounts.models import User  # noqa: E402
from leads.models import Lead  # noqa: E402

READS = [
    ("leads list", "/api/v1/leads/?ordering=-id"),
    ("leads filtered", "/api/v1/leads/?state=nurturing&ordering=-score"),
    ("opportunities list", "/api/v1/opportunities/?ordering=-id"),
    ("opportunities filtered", "/api/v1/opportunities/?state=bidding&ordering=-id"),
    ("milestones list", "/api/v1/payment-milestones/?state=invoiced&ordering=-id"),
]


def wait_for(port: int, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", "/healthz")
            conn.getresponse().read()
            return
        except OSError:
            time.sleep(0.5)
    raise SystemExit("gunicorn did not start")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--writes", type=float, default=0.10)
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--nodes", type=int, default=1, help="web nodes, one port each")
    args = parser.parse_args()

    people = list(User.objects.filter(username__in=["scale-rm1", "scale-rm2", "scale-dir1"]))
    tokens = [Token.objects.get_or_create(user=u)[0].key for u in people]
    lead_ids = {
        t: list(
            Lead.objects.filter(org_unit__path__startswith=u.org_unit.path, state="new")
            .order_by("-id")
            .values_list("id", flat=True)[:200]
        )
        for t, u in zip(tokens, people, strict=True)
    }
    env = {  # as deployed: DEBUG off (TLS is the proxy's job, not tested here)
        **os.environ,
        "DEBUG": "0",
        "SECRET_KEY": os.environ.get("SECRET_KEY") or "bench-only-" + "x" * 40,
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "0",
        "LOG_LEVEL": "WARNING",
    }
    ports = [args.port + node for node in range(args.nodes)]
    servers = [
        subprocess.Popen(  # noqa: S603
            [
                sys.executable,
                "-m",
                "gunicorn",
                "ltc.wsgi",
                "--workers",
                str(args.workers),
                "--bind",
                f"127.0.0.1:{port}",
                "--log-level",
                "warning",
            ],
            cwd=ROOT,
            env=env,
            start_new_session=True,
        )
        for port in ports
    ]
    samples: dict[str, list[float]] = defaultdict(list)
    errors: dict[str, int] = defaultdict(int)
    lock = threading.Lock()
    try:
        for port in ports:
            wait_for(port)
        stop = time.monotonic() + args.seconds

        def client(seed: int) -> None:
            rng = random.Random(seed)  # noqa: S311
            turn = seed
            while time.monotonic() < stop:
                turn += 1
                port = ports[turn % len(ports)]  # round-robin, as the load balancer
                token = rng.choice(tokens)
                headers = {"Authorization": f"Token {token}", "Accept": "application/json"}
                if rng.random() < args.writes:
                    if rng.random() < 0.5 or not lead_ids[token]:
                        kind, method, url = "lead create", "POST", "/api/v1/leads/"
                        body = {"title": f"bench-throughput {seed}", "company_name": "基准测试公司"}
                    else:
                        pk = rng.choice(lead_ids[token])
                        kind, method, url = "lead update", "PATCH", f"/api/v1/leads/{pk}/"
                        body = {"product_interest": f"bench {rng.random():.6f}"}
                    data = json.dumps(body).encode()
                    headers["Content-Type"] = "application/json"
                else:
                    if rng.random() < 0.2 and lead_ids[token]:
                        kind, url = "lead detail", f"/api/v1/leads/{rng.choice(lead_ids[token])}/"
                    else:
                        kind, url = rng.choice(READS)
                    method, data = "GET", None
                started = time.perf_counter()
                try:
                    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                    conn.request(method, url, body=data, headers=headers)
                    response = conn.getresponse()
                    response.read()
                    ok = response.status < 400
                    conn.close()
                except OSError:
                    ok = False
                elapsed = (time.perf_counter() - started) * 1000
                with lock:
                    samples[kind].append(elapsed)
                    if not ok:
                        errors[kind] += 1

        threads = [threading.Thread(target=client, args=(i,)) for i in range(args.clients)]
        began = time.monotonic()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        wall = time.monotonic() - began
    finally:
        for server in servers:
            os.killpg(server.pid, signal.SIGTERM)
        for server in servers:
            server.wait(timeout=30)

    def pct(values: list[float], q: float) -> float:
        return values[min(len(values) - 1, int(len(values) * q))]

    every = sorted(v for values in samples.values() for v in values)
    total = len(every)
    print(
        f"\n{args.nodes} node(s) × {args.workers} gunicorn workers, {args.clients} clients, "
        f"{wall:.0f} s, "
        f"{args.writes:.0%} writes: {total / wall:.1f} requests/s, "
        f"p50 {statistics.median(every):.0f} ms, p95 {pct(every, 0.95):.0f} ms, "
        f"p99 {pct(every, 0.99):.0f} ms, errors {sum(errors.values())}"
    )
    print(f"{'kind':24} {'n':>6} {'p50':>7} {'p95':>7} {'errors':>6}")
    for kind in sorted(samples):
        values = sorted(samples[kind])
        print(
            f"{kind:24} {len(values):6} {statistics.median(values):7.0f} "
            f"{pct(values, 0.95):7.0f} {errors[kind]:6}"
        )


if __name__ == "__main__":
    main()

"""Issue 23.3's speed and quality: the win model on the scale data set.

Times, in this one process (as a Celery worker would run the nightly task):

- building the feature matrix of every closed deal from SQL aggregates, fitting, measuring on
  the held-out fifth and refitting (`training.train`), with the process's peak memory;
- predicting every open deal and replacing the predictions (`training.refresh_open`);
- predicting one deal on demand (`training.predict_one`: its features by the same SQL,
  restricted to the deal, then the model) for `--deals` random open deals: median and p95;

and prints the model's AUC, Brier score and calibration on the held-out deals. Everything is
rolled back at the end (the copy of the scale data stays as it was).

    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/ltc_bench_NAME
    DEBUG=1 .venv/bin/python manage.py migrate
    .venv/bin/python bench/bench_win_model.py --deals 200
"""

from __future__ import annotations

import argparse
import os
import random
import resource
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

from django.db import connection, transaction  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from insights.winmodel import features, training  # noqa: E402
from opportunities.models import Opportunity  # noqa: E402


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--deals", type=int, default=200, help="deals predicted one by one")
    args = parser.parse_args()
    print(f"open deals: {features.open_deals().count()}, closed: {features.closed_deals().count()}")
    print(f"peak RSS before training (Django, scikit-learn loaded): {peak_mb():.0f} MB")
    with transaction.atomic():
        started = time.perf_counter()
        matrix = features.build(features.closed_deals())
        built = time.perf_counter() - started
        print(
            f"feature matrix of {len(matrix.ids)} closed deals: {built:.1f} s, "
            f"peak {peak_mb():.0f} MB"
        )
        del matrix
        started = time.perf_counter()
        model = training.train()
        trained = time.perf_counter() - started
        print(
            f"train (features + fit + held-out + refit): {trained:.1f} s, peak {peak_mb():.0f} MB"
        )
        print(
            f"model: {model.status}, n_closed {model.n_closed}, train {model.n_train}, "
            f"test {model.n_test}, AUC {model.auc:.3f}, Brier {model.brier:.3f}"
        )
        print("calibration (bin: deals, mean predicted, observed):")
        for row in model.calibration:
            print(
                f"  {row['low']:.1f}-{row['high']:.1f}: {row['deals']:6d} "
                f"{row['predicted']:.3f} {row['observed']:.3f}"
            )
        started = time.perf_counter()
        predicted = training.refresh_open(model)
        refreshed = time.perf_counter() - started
        print(f"refresh_open: {predicted} deals in {refreshed:.1f} s, peak {peak_mb():.0f} MB")
        ids = list(features.open_deals().values_list("id", flat=True)[:50_000])
        sample = random.Random(1).sample(ids, min(args.deals, len(ids)))
        times, cpu = [], []
        with CaptureQueriesContext(connection) as queries:
            training.predict_one(Opportunity.objects.get(pk=sample[0]))
        for pk in sample:
            deal = Opportunity.objects.get(pk=pk)
            started, used = time.perf_counter(), time.process_time()
            training.predict_one(deal)
            times.append((time.perf_counter() - started) * 1000)
            cpu.append((time.process_time() - used) * 1000)
        times.sort()
        p95 = times[int(len(times) * 0.95) - 1]
        print(
            f"predict_one x{len(times)}: median {statistics.median(times):.1f} ms, "
            f"p95 {p95:.1f} ms, max {times[-1]:.1f} ms; this process's CPU median "
            f"{statistics.median(cpu):.1f} ms; {len(queries) - 1} queries a deal"
        )
        transaction.set_rollback(True)


if __name__ == "__main__":
    main()

"""Running calls at the same instant, each in its own thread with its own database connection
(PostgreSQL: `transaction=True` tests, so each thread sees what the others commit)."""

from __future__ import annotations

import threading

from django.db import connection

#: Seconds a racer may wait at the start line or take to finish before the test fails.
TIMEOUT = 20


def race(*calls, timeout: float = TIMEOUT) -> list:
    """Run the calls at once, each in its own thread and connection; their results in order.
    An exception in a call is raised here; a call that hangs fails the test."""
    barrier = threading.Barrier(len(calls), timeout=timeout)
    results: list = [None] * len(calls)
    errors: list[BaseException] = []

    def run(i, call):
        try:
            barrier.wait()
            results[i] = call()
        except BaseException as exc:  # reported by the test's thread
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, c), daemon=True) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout)
    assert not any(t.is_alive() for t in threads), "a racer did not finish in time"
    if errors:
        raise errors[0]
    return results


def stampede(call, times: int = 20, timeout: float = TIMEOUT) -> list:
    """`call` `times` times at once (20 by default, as the production run that found the races)."""
    return race(*([call] * times), timeout=timeout)

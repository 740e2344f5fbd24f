"""One migrated test database per test run, copied into each parallel test process.

Migrating the schema from the first migration costs some 35-40 s of CPU (Django renders the
models' state after each of ~90 migrations), and every pytest-xdist process did it again for
its own database. Now the first process to get here migrates a template under a file lock and
every process copies it: PostgreSQL with `CREATE DATABASE ... TEMPLATE` (Django's own
`clone_test_db`), SQLite by the backup API from a template file into the process's in-memory
database (as Django's own parallel runner does for spawned workers). What the tests see is
the same migrated database, data migrations included; only the work is done once.

Used by `django_db_setup` in tests/conftest.py. Without xdist, or with another database alias
configured, the usual per-process setup runs.
"""

from __future__ import annotations

import fcntl
import os
import sqlite3
import tempfile
from pathlib import Path

from django.db import connections

DIRECTORY = Path(tempfile.gettempdir())


def template_name(vendor: str, run: str) -> str:
    """The template's database name (PostgreSQL) or file (SQLite) for test run `run`."""
    if vendor == "sqlite":
        return str(DIRECTORY / f"ltc-test-template-{run}.sqlite3")
    return f"test_ltc_template_{run}"


def _lock(run: str):
    return open(DIRECTORY / f"ltc-test-template-{run}.lock", "w")  # noqa: SIM115 (held open)


def set_up(run: str, worker: str, verbosity: int) -> tuple[str, str]:
    """Give this process its copy of the run's migrated template; returns (vendor, what to
    remove when the process ends: its own database name, or "" for an in-memory one)."""
    connection = connections["default"]
    vendor = connection.vendor
    template = template_name(vendor, run)
    with _lock(run) as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (DIRECTORY / f"ltc-test-template-{run}.ready").exists():
            _migrate_template(connection, template, verbosity)
            (DIRECTORY / f"ltc-test-template-{run}.ready").touch()
        if vendor == "sqlite":
            _copy_into_memory(connection, template, worker)
            return vendor, ""
        return vendor, _clone_on_postgresql(connection, template, worker)


def _migrate_template(connection, template: str, verbosity: int) -> None:
    test_settings = connection.settings_dict.setdefault("TEST", {})
    original_name, original_test_name = connection.settings_dict["NAME"], test_settings.get("NAME")
    test_settings["NAME"] = template
    try:
        connection.creation.create_test_db(
            verbosity=verbosity, autoclobber=True, serialize=False, keepdb=False
        )
    finally:
        connection.close()
        connection.settings_dict["NAME"] = original_name
        test_settings["NAME"] = original_test_name


def _copy_into_memory(connection, template: str, worker: str) -> None:
    memory = f"file:memorydb_default_{worker}?mode=memory&cache=shared"
    target = sqlite3.connect(memory, uri=True)
    source = sqlite3.connect(f"file:{template}?mode=ro", uri=True)
    source.backup(target)
    source.close()
    connection.close()
    connection.settings_dict["NAME"] = memory
    connection.connect()  # the in-memory database lives while a connection to it is open
    target.close()


def _clone_on_postgresql(connection, template: str, worker: str) -> str:
    name = f"{template}_{worker}"
    with connection._nodb_cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')
        cursor.execute(f'CREATE DATABASE "{name}" WITH TEMPLATE "{template}"')
    connection.close()
    connection.settings_dict["NAME"] = name
    return name


def tear_down(vendor: str, own: str) -> None:
    connection = connections["default"]
    connection.close()
    if vendor == "postgresql" and own:
        connection.creation._destroy_test_db(own, verbosity=0)


def remove_template(run: str) -> None:
    """At the end of the run (the controlling process): the template and its lock files."""
    for suffix in ("ready", "lock"):
        (DIRECTORY / f"ltc-test-template-{run}.{suffix}").unlink(missing_ok=True)
    connection = connections["default"]
    if connection.vendor == "sqlite":
        Path(template_name("sqlite", run)).unlink(missing_ok=True)
        return
    with connection._nodb_cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{template_name("postgresql", run)}"')


def worker_of(config) -> tuple[str, str] | None:
    """(test run id, worker id) in a pytest-xdist worker, else None."""
    workerinput = getattr(config, "workerinput", None)
    if workerinput is None or os.environ.get("LTC_TEST_DATABASE_PER_PROCESS"):
        return None
    return workerinput["testrunuid"], workerinput["workerid"]

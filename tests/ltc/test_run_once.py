"""The files CI runs only on the embedded default (`DATABASE_INDEPENDENT` in tests/conftest.py)
must stay independent of the test database: no test in them may ask for a database fixture or
the django_db mark, or the PostgreSQL run would silently lose a test that depends on it."""

from __future__ import annotations

import ast
from pathlib import Path

from tests.conftest import DATABASE_INDEPENDENT

ROOT = Path(__file__).resolve().parents[2]

#: Fixtures that reach the test database (directly or through users and clients made in it).
DATABASE_FIXTURES = {
    "db",
    "transactional_db",
    "django_db_setup",
    "django_db_blocker",
    "django_db_reset_sequences",
    "client",
    "admin_client",
    "admin_user",
    "django_user_model",
    "live_server",
    "api",
    "org",
    "users",
}


def database_uses(source: str) -> list[str]:
    """What in a test module's source asks for the database."""
    found = ["the django_db mark"] if "django_db" in source else []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.FunctionDef):
            asked = {arg.arg for arg in node.args.args} & DATABASE_FIXTURES
            found += [f"{node.name} asks for {name}" for name in sorted(asked)]
    return found


def test_the_files_run_once_do_not_touch_the_database():
    for path in DATABASE_INDEPENDENT:
        source = (ROOT / path).read_text()
        assert not database_uses(source), (path, database_uses(source))


def test_the_check_sees_a_test_that_asks_for_the_database():
    assert database_uses("def test_x(db):\n    pass\n") == ["test_x asks for db"]
    assert database_uses("import pytest\n@pytest.mark.django_db\ndef test_y():\n    pass\n")


def test_each_fuzzer_runs_on_one_database_and_the_two_on_both():
    """Positive and negative data each run once per CI, one on each database."""
    from tests.conftest import ONE_DATABASE

    for path in ONE_DATABASE:
        assert (ROOT / path).is_file(), path
    assert sorted(ONE_DATABASE.values()) == ["postgresql", "sqlite"]

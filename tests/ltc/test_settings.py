"""Settings come from the environment; production settings pass Django's deployment checks."""

import functools
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION = {
    "DEBUG": "0",
    "SECRET_KEY": "a-long-random-production-secret-" + "x" * 40,
    "ALLOWED_HOSTS": "crm.example.com",
    "DJANGO_SETTINGS_MODULE": "ltc.settings",
}


def run_django(*args: str, env: dict) -> subprocess.CompletedProcess:
    clean = {
        k: v
        for k, v in os.environ.items()
        if k
        not in {
            "SECURE_SSL_REDIRECT",
            "SESSION_COOKIE_SECURE",
            "CSRF_COOKIE_SECURE",
            "DEBUG",
            "SECRET_KEY",
            "DJANGO_SETTINGS_MODULE",
            "DJANGO_ALLOW_ASYNC_UNSAFE",  # the browser tests' setting, never production's
        }
    }
    return subprocess.run(
        [sys.executable, *args],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_is_clean_with_production_settings():
    result = run_django("manage.py", "check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_a_secret_key():
    env = {**PRODUCTION, "SECRET_KEY": ""}
    result = run_django("manage.py", "check", env=env)
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


#: What production settings come to, printed by one process per environment (each start of
#: Django takes seconds; the tests below read the lines they are about).
PROBE = (
    "import django; django.setup(); from django.conf import settings as s;"
    "from django.contrib.auth.hashers import make_password;"
    "print(make_password('x').split('$')[0]);"
    "print(s.CELERY_TASK_ALWAYS_EAGER, s.CELERY_BROKER_URL, s.CACHES['default']['BACKEND']);"
    "print(s.DATABASES['default']['ENGINE'])"
)


@functools.cache
def production_with(redis_url: str) -> tuple[list[str], str]:
    """(the probe's lines, its stderr) under production settings, with no DATABASE_URL."""
    env = {**PRODUCTION, "REDIS_URL": redis_url, "DATABASE_URL": ""}
    result = run_django("-c", PROBE, env=env)
    return result.stdout.splitlines(), result.stderr


def test_production_hashes_passwords_with_argon2():
    lines, stderr = production_with("")
    assert lines and lines[0].strip() == "argon2", stderr


@pytest.mark.parametrize(
    ("redis_url", "eager", "broker"),
    [
        ("", "True", "memory://localhost/"),
        ("redis://127.0.0.1:6379/3", "False", "redis://127.0.0.1:6379/3"),
    ],
)
def test_redis_url_decides_between_in_process_tasks_and_a_real_broker(redis_url, eager, broker):
    lines, stderr = production_with(redis_url)
    assert len(lines) == 3, stderr
    printed = lines[1].split()
    assert printed[:2] == [eager, broker], stderr
    assert printed[2].endswith("RedisCache" if redis_url else "LocMemCache")


def test_database_url_defaults_to_an_sqlite_file():
    lines, stderr = production_with("")
    assert len(lines) == 3 and lines[2].strip() == "django.db.backends.sqlite3", stderr

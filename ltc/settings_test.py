"""Settings for the test suite: the project's settings with a test secret and plain HTTP.

Everything else (database, Redis, Celery mode) still comes from the environment, so the same
suite runs on SQLite with eager tasks and on PostgreSQL with a real Redis broker.
"""

import os

os.environ.setdefault("SECRET_KEY", "tests-only-not-a-secret-tests-only-not-a-secret")
os.environ.setdefault("SECURE_SSL_REDIRECT", "0")
os.environ.setdefault("SESSION_COOKIE_SECURE", "0")
os.environ.setdefault("CSRF_COOKIE_SECURE", "0")

from ltc.settings import *  # noqa: E402,F403
from ltc.settings import STORAGES  # noqa: E402

# Hashing is slow on purpose; the tests create many users. Production keeps Argon2
# (tests/ltc/test_settings.py checks it in a fresh process).
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
# Tests run tasks in-process for determinism even when REDIS_URL points at a real broker;
# tests/ltc/test_celery_worker.py sends through Redis to a real worker on purpose.
CELERY_TASK_ALWAYS_EAGER = True

# A test database is thrown away after the run: its commits need not wait for the disk. With
# synchronous_commit on, each commit waited ~6 ms for the WAL to reach disk on CI's machine
# (~1 ms off), and the tests that commit (browser journeys, races, anything on the live server,
# the flush after each of them) commit thousands of times. Visibility and isolation between
# sessions are unchanged; only a crash could lose the last commits of a database nobody keeps.
if DATABASES["default"]["ENGINE"].endswith("postgresql"):  # noqa: F405
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c synchronous_commit=off"  # noqa: F405

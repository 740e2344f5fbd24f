"""A second, tiny Django project: a real OpenID Connect provider (django-oidc-provider) the
single sign-on tests sign in at, run in its own process on 127.0.0.1 (`server.py`), its
SQLite database in a temporary directory (OP_DATABASE)."""

import os
from pathlib import Path

SECRET_KEY = "test-provider-only-test-provider-only-0123456789"
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1"]
INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "oidc_provider",
]
MIDDLEWARE = [
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
]
ROOT_URLCONF = "tests.accounts.sso_provider.urls"
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [Path(__file__).parent / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {"context_processors": ["django.template.context_processors.request"]},
    }
]
DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": os.environ["OP_DATABASE"]}}
DEFAULT_AUTO_FIELD = "django.db.models.AutoField"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # fast; test users only
USE_TZ = True
LOGIN_URL = "/accounts/login/"
OIDC_USERINFO = "tests.accounts.sso_provider.claims.userinfo"
OIDC_EXTRA_SCOPE_CLAIMS = "tests.accounts.sso_provider.claims.CompanyClaims"
OIDC_IDTOKEN_INCLUDE_CLAIMS = False
LOGGING = {"version": 1, "root": {"level": "WARNING"}}

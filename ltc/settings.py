"""Settings for the LTC CRM, read from the environment.

Every knob an operator turns is an environment variable (see README, "Configuration").
Unset, the app runs on an embedded SQLite file with Celery tasks executed in-process,
which is what the one-command demo uses. Production sets DEBUG=0, SECRET_KEY, ALLOWED_HOSTS,
DATABASE_URL and REDIS_URL; `manage.py check --deploy` is then clean.
"""

import os
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from . import queues
from .deployment import file_storage
from .env import env_bool, env_list

BASE_DIR = Path(__file__).resolve().parent.parent


DEBUG = env_bool("DEBUG", False)

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    SECRET_KEY = "dev-only-insecure-key-do-not-use-in-production-0123456789abcdef"  # noqa: S105

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.forms",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "csp",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    # The value stream, bottom to top: each app may import only those above it in this list
    # (tests/ltc/test_import_order.py holds it). The core keeps the app label "ltc".
    "core.apps.CoreConfig",
    "messaging.apps.MessagingConfig",
    "accounts.apps.AccountsConfig",
    "partners.apps.PartnersConfig",
    "leads.apps.LeadsConfig",
    "opportunities.apps.OpportunitiesConfig",
    "contracts.apps.ContractsConfig",
    "receivables.apps.ReceivablesConfig",
    # Documents from the record (ADR 27): PDFs of quotes, letters and drafts, above the stages.
    "documents.apps.DocumentsConfig",
    "keyaccounts.apps.KeyAccountsConfig",
    # Private calendar feeds (ICS): read every stage's dated work.
    "calendars.apps.CalendarsConfig",
    "channels.apps.ChannelsConfig",
    "incentives.apps.IncentivesConfig",
    "insights.apps.InsightsConfig",
    # The report builder (ADR 32): tables and charts of any stage's records, within the scope.
    "reports.apps.ReportsConfig",
    # E-mail in: leads from a mailbox or a webhook, replies to notifications as comments.
    "mailin.apps.MailinConfig",
    # Integrations (API keys, idempotency, webhooks) listen to every stage; none imports it.
    "integrations.apps.IntegrationsConfig",
    # The partner portal (ADR 21): pages and API for partner users, above every stage it shows.
    "portal.apps.PortalConfig",
    # The benchmarks' data generator fills every app; no app imports it.
    "bench.apps.BenchConfig",
    # The project itself, on top: it may import every app, none imports it.
    "ltc.apps.ProjectConfig",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Content-Security-Policy and Permissions-Policy on every response (see "Security" below).
    "csp.middleware.CSPMiddleware",
    "django_permissions_policy.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # After a user's write, their reads stay on the primary for a while (ADR 35).
    "core.replica.ReadYourWritesMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "accounts.two_factor.TwoFactorMiddleware",
    "core.middleware.UserLanguageMiddleware",
    "core.middleware.InputGuardMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "core.middleware.RequestContextMiddleware",
    # Partner users are kept to the portal's pages (ADR 21).
    "core.middleware.PortalFenceMiddleware",
    "core.middleware.ApplicationErrorMiddleware",
    "integrations.idempotency.IdempotencyMiddleware",
    # Last, as django-axes asks: it turns a locked-out login into its lockout response.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "ltc.urls"
WSGI_APPLICATION = "ltc.wsgi.application"
FORM_RENDERER = "core.forms.FormRenderer"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "core.context_processors.navigation",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("DB_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
# Behind PgBouncer's transaction pooling, no server-side cursor: it lives in one session (ADR 36).
PGBOUNCER_TRANSACTION_POOLING = env_bool("PGBOUNCER_TRANSACTION_POOLING", False)
DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = PGBOUNCER_TRANSACTION_POOLING
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # SQLite is the embedded demo default: wait for locks instead of failing at once, and
    # take the write lock when a transaction begins (IMMEDIATE), so a transaction that reads
    # and then writes runs alone: its checks still hold when it inserts (core.locks), and it
    # never fails with "database is locked" upgrading a read lock another writer blocks.
    DATABASES["default"].setdefault("OPTIONS", {}).update(timeout=20, transaction_mode="IMMEDIATE")
# A streaming replica for reports, dashboards, exports and the API's lists: ltc/settings_replica.py
from .settings_replica import *  # noqa: E402,F403
from .settings_replica import REPLICA_DATABASES  # noqa: E402

DATABASES.update(REPLICA_DATABASES)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis: broker and cache when configured, in-process otherwise -----------------------------
REDIS_URL = os.environ.get("REDIS_URL", "")

if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "ltc",
        }
    }
    # Any web node serves any session: read from Redis, kept in the database (ADR 36).
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# In-process tasks still name a broker; a host in the URL keeps kombu from warning about it.
CELERY_BROKER_URL = REDIS_URL or "memory://localhost/"
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A request publishes once with short timeouts; what a dead broker refuses waits in the outbox
# (core.jobs, ADR 10). A message a killed worker held is redelivered after the visibility timeout.
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": 3600,
    "socket_connect_timeout": 2,
}
# One queue per workload, each drained by its own worker pool (ltc/queues.py, ADR 36).
CELERY_TASK_DEFAULT_QUEUE, CELERY_TASK_ROUTES = queues.DEFAULT_QUEUE, queues.ROUTES
CELERY_TASK_QUEUES = queues.TASK_QUEUES
CELERY_TIMEZONE = os.environ.get("TIME_ZONE", "Asia/Shanghai")
from .beat import CELERY_BEAT_SCHEDULE  # noqa: E402, F401  (every periodic task: ltc/beat.py)

#: The win model (ADR 31): the closed deals it needs before it is trained (fewer: the stage
#: probabilities stay in force), and whether the weighted pipeline uses its learned
#: probability (stage probabilities remain the fallback for deals it has not predicted).
WIN_MODEL_MIN_CLOSED = int(os.environ.get("WIN_MODEL_MIN_CLOSED", "200"))
WIN_MODEL_FOR_PIPELINE = env_bool("WIN_MODEL_FOR_PIPELINE", False)
# Days before a partner's verified qualification expires on which its manager is reminded.
PARTNER_QUALIFICATION_REMIND_DAYS = int(os.environ.get("PARTNER_QUALIFICATION_REMIND_DAYS", 30))
AGEING_ROLLUP_MAX_AGE = int(os.environ.get("AGEING_ROLLUP_MAX_AGE", 15 * 60))  # seconds
# Days before a payment milestone's due date on which its AR is reminded.
# Whether one person may hold two seats (AR, SR, FR) of an iron triangle: a small company's
# rep may also be its solution manager. Off by default: the three seats check each other.
IRON_TRIANGLE_SHARED_SEATS = env_bool("IRON_TRIANGLE_SHARED_SEATS", False)
# Days a customer registration (客户报备) protects the account for its holder, from the
# registration or its last renewal.
CUSTOMER_REGISTRATION_DAYS = int(os.environ.get("CUSTOMER_REGISTRATION_DAYS", "90"))
#: The currency reports and dashboards convert their totals into (ADR 30); a person may
#: pick another on the page.
REPORTING_CURRENCY = os.environ.get("REPORTING_CURRENCY", "CNY").strip().upper() or "CNY"
#: Customer vetting (客户审批, ADR 19): whether a customer someone other than an administrator
#: creates waits for approval (off: an upgrade changes nothing until the company turns it on),
#: and the furthest stage a deal on a pending customer may reach.
CUSTOMER_APPROVAL_REQUIRED = env_bool("CUSTOMER_APPROVAL_REQUIRED", False)
LTC_PENDING_CUSTOMER_MAX_STAGE = os.environ.get("LTC_PENDING_CUSTOMER_MAX_STAGE", "guiding")

RECEIVABLES_REMINDER_DAYS_BEFORE = [
    int(n) for n in env_list("RECEIVABLES_REMINDER_DAYS_BEFORE", ["7", "3", "1"])
]

# --- Auth ------------------------------------------------------------------------------------
# django-axes first: it refuses a locked-out username/IP before the password is even checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    # Passwords here, for people whose password sign-in is on (ADR 25), then single sign-on.
    "accounts.sso.backends.PasswordBackend",
    "accounts.sso.backends.OidcBackend",
]
# Single sign-on (OpenID Connect, LDAP / Active Directory): ltc/settings_sso.py
from .settings_sso import *  # noqa: E402,F403
from .settings_sso import AUTH_LDAP_SERVER_URI  # noqa: E402

if AUTH_LDAP_SERVER_URI:
    AUTHENTICATION_BACKENDS.append("accounts.sso.ldap.LdapBackend")
AXES_FAILURE_LIMIT = int(os.environ.get("LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = float(os.environ.get("LOGIN_LOCKOUT_HOURS", "0.25"))  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_IPWARE_PROXY_COUNT = 1 if env_bool("BEHIND_TLS_PROXY", False) else None
AXES_VERBOSE = False
# Two-factor (TOTP): administrators and finance who have a confirmed device must enter a code
# after their password; REQUIRE_TWO_FACTOR=1 makes them enrol one before they can go on.
TWO_FACTOR_ROLES = ["admin", "finance"]
REQUIRE_TWO_FACTOR = env_bool("REQUIRE_TWO_FACTOR", False)
OTP_TOTP_ISSUER = "LTC CRM"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# --- Internationalisation ------------------------------------------------------------------------
LANGUAGE_CODE = os.environ.get("LANGUAGE_CODE", "en")
LANGUAGES = [("en", _("English")), ("zh-hans", _("Simplified Chinese"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = os.environ.get("TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
# Amounts grouped as Chinese finance writes them (ltc/formats/zh_Hans).
FORMAT_MODULE_PATH = ["ltc.formats"]
USE_TZ = True

# --- Static files: served by the app itself (whitenoise), never from a CDN ----------------------
STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
# Uploads and generated documents: an S3 bucket by environment, else MEDIA_ROOT (ADR 36).
STORAGES = {
    "default": file_storage(),
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = DEBUG
MEDIA_URL = "media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))

# --- E-mail: console in development, SMTP when EMAIL_HOST is set -------------------------------
EMAIL_HOST = os.environ.get("EMAIL_HOST", "")
EMAIL_BACKEND = (
    "django.core.mail.backends.smtp.EmailBackend"
    if EMAIL_HOST
    else "django.core.mail.backends.console.EmailBackend"
)
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "587"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "LTC CRM <crm@localhost>")
SITE_URL = os.environ.get("SITE_URL", "http://localhost:8000")

# --- E-mail in (issue 22.5): replies to notifications and leads from a mailbox ---------------
# Notification e-mails carry Reply-To <local>+<signed token>@<domain> when this is set.
INBOUND_REPLY_ADDRESS = os.environ.get("INBOUND_REPLY_ADDRESS", "")
# A mailbox read by the beat job besides those in the admin: imap[s]://user:pass@host:port/folder
MAILIN_IMAP_URL = os.environ.get("MAILIN_IMAP_URL", "")
# The lead capture source (its key prefix) the MAILIN_IMAP_URL mailbox files leads under.
MAILIN_LEAD_SOURCE = os.environ.get("MAILIN_LEAD_SOURCE", "")
# A message larger than this is refused (kept in its mailbox, logged); attachments are never kept.
MAILIN_MAX_MESSAGE_BYTES = int(os.environ.get("MAILIN_MAX_MESSAGE_BYTES", str(30 * 1024 * 1024)))

# --- Security: strict unless DEBUG -----------------------------------------------------------
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", not DEBUG)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", not DEBUG)
CSRF_FAILURE_VIEW = "core.api.django_errors.csrf_failure"
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "0" if DEBUG else "31536000"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = not DEBUG
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = 60 * 60 * 12
X_FRAME_OPTIONS = "DENY"
# Content-Security-Policy (django-csp): every script, style, font and image is served by the app
# itself (htmx, Chart.js and Swagger UI are vendored), with no inline script, inline style or
# eval, so nothing injected into a page can run. Images may be data: URIs (Swagger UI's icons).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "form-action": [SELF],
        "base-uri": [SELF],
        "object-src": [NONE],
        "frame-ancestors": [NONE],
    }
}
# Permissions-Policy (django-permissions-policy): the CRM uses no device or browser feature.
PERMISSIONS_POLICY = {
    feature: []
    for feature in (
        "accelerometer",
        "autoplay",
        "camera",
        "display-capture",
        "encrypted-media",
        "fullscreen",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "publickey-credentials-get",
        "screen-wake-lock",
        "usb",
        "xr-spatial-tracking",
    )
}
if env_bool("BEHIND_TLS_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# --- REST API ---------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Token first: an unauthenticated request gets 401 with WWW-Authenticate.
        "rest_framework.authentication.TokenAuthentication",
        "integrations.api.auth.ApiKeyAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    # Only requests made with an API key are throttled, each at its key's own rate.
    # The partner portal's fence first (a 403, ADR 21), then each API key's own rate.
    "DEFAULT_THROTTLE_CLASSES": [
        "core.api.auth.PortalFence",
        "integrations.api.auth.ApiKeyRateThrottle",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "core.api.pagination.CursorPagination",
    "DEFAULT_PARSER_CLASSES": [
        "core.api.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": [
        "core.filters.FilterBackend",
        "rest_framework.filters.SearchFilter",
        "core.filters.OrderingFilter",
    ],
    "DEFAULT_SCHEMA_CLASS": "core.api.schema.AutoSchema",
    "EXCEPTION_HANDLER": "core.api.errors.exception_handler",
    "DEFAULT_THROTTLE_RATES": {"web_to_lead": "30/minute", "web_to_lead_key": "120/minute"},
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "LTC CRM API",
    "DESCRIPTION": (
        "Lead-to-Cash: leads (ML), opportunities with ATI/ATB/ATC review gates (MO), "
        "contract execution (MCE) and collections. Errors share one shape: "
        "`{code, message, fields}`."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "GeneratedDocumentKindEnum": "documents.choices.RecordDocumentKind",
        "GateKindEnum": "core.choices.GateKind",
        "GateStateEnum": "core.choices.GateState",
        "DecisionEnum": "core.choices.Decision",
        "OrgUnitKindEnum": "core.choices.OrgUnitKind",
        "LeadStateEnum": "leads.choices.LeadState",
        "LeadSourceEnum": "leads.choices.LeadSource",
        "ActivityKindEnum": "accounts.choices.ActivityKind",
        "ImportStatusEnum": "accounts.choices.ImportStatus",
        "ImportModeEnum": "accounts.choices.ImportMode",
        "ImportIssueLevelEnum": "accounts.choices.IssueLevel",
        "OpportunityStageEnum": "opportunities.choices.Stage",
        "ContractStateEnum": "contracts.choices.ContractState",
        "ContractKindEnum": "contracts.choices.ContractKind",
        "DeliverableStateEnum": "contracts.choices.DeliverableState",
        "DeliveryMilestoneKindEnum": "contracts.choices.DeliveryMilestoneKind",
        "DeliveryMilestoneStateEnum": "contracts.choices.DeliveryMilestoneState",
        "ChangeRequestStateEnum": "contracts.choices.ChangeRequestState",
        "DocumentKindEnum": "contracts.choices.DocumentKind",
        "QualificationKindEnum": "partners.choices.QualificationKind",
        "RebateStatementStateEnum": "channels.choices.StatementState",
        "SettlementMethodEnum": "channels.choices.SettlementMethod",
        "AcceptanceRatingEnum": "contracts.choices.AcceptanceRating",
        "MilestoneKindEnum": "receivables.choices.MilestoneKind",
        "MilestoneStateEnum": "receivables.choices.MilestoneState",
        "ReceiptStateEnum": "receivables.choices.ReceiptState",
        "RoleEnum": "core.choices.Role",
        "RoleScopeEnum": "core.choices.RoleScope",
        "MappableRoleEnum": "accounts.models.sso.MAPPABLE_ROLES",
        "ApprovalKindEnum": "core.approvals.choices.ApprovalKind",
        "ApprovalDecisionEnum": "core.approvals.choices.ApprovalDecision",
        "CustomerVettingEnum": "accounts.choices.CustomerVetting",
        "RiskLevelEnum": "core.choices.RiskLevel",
        "QuoteStateEnum": "opportunities.choices.QuoteState",
        "BidStateEnum": "opportunities.choices.BidState",
        "DecisionChainRoleEnum": "opportunities.choices.ChainRole",
        "WinLossReasonEnum": "opportunities.choices.WinLossReason",
        "MetricEnum": "keyaccounts.choices.Metric",
        "QuadrantEnum": "keyaccounts.choices.Quadrant",
        "TierEnum": "accounts.choices.Tier",
        "BidSectionStatusEnum": "opportunities.choices.BidSectionStatus",
        "PlanActionStatusEnum": "keyaccounts.choices.ActionStatus",
        "MilestoneTriggerEnum": "receivables.choices.MilestoneTrigger",
        "PaymentMethodEnum": "receivables.choices.PaymentMethod",
        "InvoiceKindEnum": "receivables.choices.InvoiceKind",
        "InvoiceStateEnum": "receivables.choices.InvoiceState",
        "WriteOffStateEnum": "receivables.choices.WriteOffState",
        "AgeingGroupEnum": "receivables.choices.AgeingGroup",
        "DirectBasisEnum": "contracts.choices.DirectBasis",
        "CurrencyEnum": "core.choices.Currency",
    },
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "core.api.schema.drop_defaults_outside_their_schema",
        "integrations.api.schema.document_idempotency_key",
        "integrations.api.schema.document_error_responses",
        "core.api.routers.integer_ids_in_schema",
    ],
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # runserver prints its own start-up lines; the reloader's would repeat them.
        "django.utils.autoreload": {"level": "WARNING"},
        # Without a broker every task runs in-process: one INFO line per task is noise.
        **({} if REDIS_URL else {"celery.app.trace": {"level": "WARNING"}}),
    },
}

# Chat apps (ADR 24): attempts before a chat message is given up (with backoff 1, 2, 4 …
# minutes), how long a claimed message may stay "sending" before it counts as interrupted, and
# how long a decision link in a message stays valid.
CHAT_MAX_ATTEMPTS = int(os.environ.get("CHAT_MAX_ATTEMPTS", "5"))
CHAT_SENDING_LEASE_SECONDS = int(os.environ.get("CHAT_SENDING_LEASE_SECONDS", "600"))
CHAT_ACTION_LINK_MINUTES = int(os.environ.get("CHAT_ACTION_LINK_MINUTES", "240"))

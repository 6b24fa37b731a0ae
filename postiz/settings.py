"""Settings for Postiz, driven by environment variables.

Every variable read here is listed, with its default, in the README's configuration table.
"""

import base64
import os
import secrets
import sys
from pathlib import Path
from urllib.parse import urlsplit

import environ
from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured

from postiz.database import EmbeddedPostgres

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
env.read_env(BASE_DIR / ".env", overwrite=False)

# Runtime state that must survive restarts but never be committed: the generated secret
# key, the embedded database, uploaded media, collected static files.
VAR_DIR = Path(env("POSTIZ_VAR_DIR", default=str(BASE_DIR / "var"))).resolve()
VAR_DIR.mkdir(parents=True, exist_ok=True)

TESTING = "pytest" in sys.modules

# -- Secrets and keys -------------------------------------------------------------------
# Every web, publisher and worker process, on every host, must hold the same SECRET_KEY
# (sessions, signed links and jobs, API key hashes) and the same POSTIZ_ENCRYPTION_KEYS
# (channel credentials). They are generated into var/ only where no other machine can
# share the database: the embedded server of this var/ (`make run`, whose processes get
# its socket as DATABASE_URL, and the tests). With any other DATABASE_URL a missing one
# stops the start: a key made up by each host (or each container) cannot read what the
# others wrote, and is lost with the container.
_DATABASE_URL = env("DATABASE_URL", default="")
SINGLE_MACHINE = not _DATABASE_URL or EmbeddedPostgres(VAR_DIR).serves(_DATABASE_URL)
_MAKE_SECRET_KEY = "python3 -c 'import secrets; print(secrets.token_urlsafe(50))'"  # noqa: S105
_MAKE_FERNET_KEY = (
    "python3 -c 'import base64, os; print(base64.urlsafe_b64encode(os.urandom(32)).decode())'"
)


def _file_secret(name: str, make) -> str:
    """Read a generated secret from var/, creating it (mode 0600) on first use."""
    path = VAR_DIR / name
    if not path.exists():
        path.touch(mode=0o600)
        path.write_text(make())
    return path.read_text().strip()


_missing_secrets: list[str] = []


def _generated_secret(setting: str, name: str, make, how: str) -> str:
    """A secret from var/ on a single machine; elsewhere, noted as missing (the start stops
    below, naming every missing one and how to make it)."""
    if SINGLE_MACHINE or TESTING:
        return _file_secret(name, make)
    earlier = ""
    if (VAR_DIR / name).exists():
        earlier = (
            f" This host generated one before, in {VAR_DIR / name}: if the stored data was "
            "written with it, set that value."
        )
    _missing_secrets.append(f"{setting} is not set. Make one with:  {how}{earlier}")
    return ""


SECRET_KEY = env("SECRET_KEY", default="") or _generated_secret(
    "SECRET_KEY", "secret_key", lambda: secrets.token_urlsafe(50), _MAKE_SECRET_KEY
)
DEBUG = env.bool("DEBUG", default=False)

# Channel credentials are encrypted with these Fernet keys: the first encrypts, all decrypt.
POSTIZ_ENCRYPTION_KEYS = [
    key.strip() for key in env.list("POSTIZ_ENCRYPTION_KEYS", default=[]) if key.strip()
] or [
    _generated_secret(
        "POSTIZ_ENCRYPTION_KEYS",
        "encryption_key",
        lambda: base64.urlsafe_b64encode(os.urandom(32)).decode(),
        _MAKE_FERNET_KEY,
    )
]
if _missing_secrets:
    raise ImproperlyConfigured(
        "With DATABASE_URL set, every web, publisher and worker process on every host must "
        "be given the same secrets; they are never generated. Set each in the environment "
        "of every process, and keep it with the database backups.\n"
        + "\n".join(f"- {line}" for line in _missing_secrets)
    )
for _number, _key in enumerate(POSTIZ_ENCRYPTION_KEYS, 1):
    try:
        Fernet(_key.encode())
    except ValueError:
        raise ImproperlyConfigured(
            f"POSTIZ_ENCRYPTION_KEYS: key {_number} of {len(POSTIZ_ENCRYPTION_KEYS)} is not a "
            "Fernet key (32 random bytes in URL-safe base64: 44 characters ending in '='). "
            f"Make one with  {_MAKE_FERNET_KEY}"
        ) from None
if TESTING:
    # The processes a test starts (a publisher, a settings check) read the same secrets.
    os.environ.setdefault("SECRET_KEY", SECRET_KEY)
    os.environ.setdefault("POSTIZ_ENCRYPTION_KEYS", ",".join(POSTIZ_ENCRYPTION_KEYS))

SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")
_site = urlsplit(SITE_URL)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=[_site.hostname, "127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list(
    "CSRF_TRUSTED_ORIGINS", default=[f"{_site.scheme}://{_site.netloc}"]
)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "django_htmx",
    # Before django_q: its `qcluster` command is postiz's (the jobs' code loaded once).
    "postiz",
    "django_q",
    "allauth",
    "allauth.account",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.google",
    "allauth.socialaccount.providers.github",
    "allauth.socialaccount.providers.openid_connect",
    "allauth.mfa",
    "accounts",
    "organizations",
    "integrations",
    "posts",
    "media",
    "billing",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # The interface's language: the browser's (Accept-Language) or the one chosen before
    # signing in (the language cookie); accounts' middleware then applies the person's own.
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "accounts.middleware.PersonLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "postiz.urls"
WSGI_APPLICATION = "postiz.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "organizations.context_processors.organizations",
                "accounts.context_processors.signup",
                "posts.context_processors.notifications",  # -- notifications bell
            ],
        },
    },
    # The calendar's grid (hundreds of posts a page) is drawn by Jinja2, several times faster
    # than the Django engine for loops this size; pages around it stay Django templates.
    # Its templates live in templates/jinja2/ and are always auto-escaped (postiz/jinja2.py).
    {
        "BACKEND": "django.template.backends.jinja2.Jinja2",
        "DIRS": [BASE_DIR / "templates" / "jinja2"],
        "APP_DIRS": False,
        "OPTIONS": {"environment": "postiz.jinja2.environment"},
    },
]

# -- Database ---------------------------------------------------------------------------
# DATABASE_URL names any PostgreSQL server; without it an embedded server under var/ is
# started on first use and stopped when the last process using it exits.
if _DATABASE_URL:
    DATABASES = {"default": env.db("DATABASE_URL")}
    EMBEDDED_POSTGRES = None
else:
    EMBEDDED_POSTGRES = EmbeddedPostgres(VAR_DIR)
    EMBEDDED_POSTGRES.acquire()
    DATABASES = {"default": EMBEDDED_POSTGRES.settings()}

_connection_options = {
    "CONN_MAX_AGE": env.int("CONN_MAX_AGE", default=600),
    "CONN_HEALTH_CHECKS": True,
    "TEST": {"NAME": env("TEST_DATABASE_NAME", default="test_postiz")},
}
DATABASES["default"].update(_connection_options)
# The API's post lists keep their one query prepared on the connection (planning it cost
# about a third of running it; Django's own queries are never prepared). On by default
# with the embedded server; behind DATABASE_URL only with POSTIZ_DB_PREPARED=1, since a
# pooler in transaction mode (PgBouncer) hands each transaction to any server connection:
# it keeps neither prepared statements nor server-side cursors, so off turns both off.
_prepared = env.bool("POSTIZ_DB_PREPARED", default=SINGLE_MACHINE)
if _prepared:
    DATABASES["default"].setdefault("OPTIONS", {})["prepare_threshold"] = 5
DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = not _prepared
# The publisher holds its claims with session-level advisory locks, which a pooler in
# transaction mode does not keep: it must reach PostgreSQL directly or through a pooler in
# session mode. POSTIZ_PUBLISHER_DATABASE_URL names that way when DATABASE_URL goes
# through a transaction pooler (`manage.py publisher` uses it in place of DATABASE_URL).
_publisher_url = env("POSTIZ_PUBLISHER_DATABASE_URL", default="")
POSTIZ_PUBLISHER_DATABASE = (
    {**env.db_url_config(_publisher_url), **_connection_options} if _publisher_url else None
)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

CACHES = {
    "default": env.cache("CACHE_URL", default="dbcache://postiz_cache"),
}

# -- Accounts ---------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"

POSTIZ_DISABLE_SIGNUP = env.bool("POSTIZ_DISABLE_SIGNUP", default=False)

ACCOUNT_ADAPTER = "accounts.adapters.AccountAdapter"
SOCIALACCOUNT_ADAPTER = "accounts.adapters.SocialAccountAdapter"
ACCOUNT_SIGNUP_FORM_CLASS = "accounts.forms.SignupForm"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_EMAIL_VERIFICATION = env("POSTIZ_EMAIL_VERIFICATION", default="mandatory")
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Postiz] "
ACCOUNT_DEFAULT_HTTP_PROTOCOL = _site.scheme
ACCOUNT_RATE_LIMITS = {
    "login_failed": env("POSTIZ_LOGIN_RATE_LIMIT", default="5/5m/key,20/m/ip"),
    "signup": "20/m/ip",
    "reset_password": "20/m/ip,5/m/key",
    "confirm_email": "1/3m/key",
}
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = env("POSTIZ_MFA_ISSUER", default="Postiz")

SOCIALACCOUNT_EMAIL_AUTHENTICATION = False
SOCIALACCOUNT_EMAIL_AUTHENTICATION_AUTO_CONNECT = False
SOCIALACCOUNT_LOGIN_ON_GET = False
SOCIALACCOUNT_QUERY_EMAIL = True
SOCIALACCOUNT_PROVIDERS = {}
if env("GOOGLE_CLIENT_ID", default="") and env("GOOGLE_CLIENT_SECRET", default=""):
    SOCIALACCOUNT_PROVIDERS["google"] = {
        "APPS": [{"client_id": env("GOOGLE_CLIENT_ID"), "secret": env("GOOGLE_CLIENT_SECRET")}],
        "SCOPE": ["profile", "email"],
    }
if env("GITHUB_CLIENT_ID", default="") and env("GITHUB_CLIENT_SECRET", default=""):
    SOCIALACCOUNT_PROVIDERS["github"] = {
        "APPS": [{"client_id": env("GITHUB_CLIENT_ID"), "secret": env("GITHUB_CLIENT_SECRET")}],
        "SCOPE": ["user:email"],
    }
if (
    env("OIDC_CLIENT_ID", default="")
    and env("OIDC_CLIENT_SECRET", default="")
    and env("OIDC_SERVER_URL", default="")
):
    SOCIALACCOUNT_PROVIDERS["openid_connect"] = {
        "APPS": [
            {
                "provider_id": "oidc",
                "name": env("OIDC_NAME", default="Single sign-on"),
                "client_id": env("OIDC_CLIENT_ID"),
                "secret": env("OIDC_CLIENT_SECRET"),
                "settings": {"server_url": env("OIDC_SERVER_URL")},
            }
        ]
    }

# -- Email ------------------------------------------------------------------------------
vars().update(env.email_url("EMAIL_URL", default="consolemail://"))
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="Postiz <noreply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# -- Internationalisation and time -------------------------------------------------------
LANGUAGE_CODE = "en"
TIME_ZONE = "UTC"
USE_I18N = True
# The languages the interface is translated into (postiz/locale/<code>/LC_MESSAGES). README's
# "Languages" section says how to add one; tests/test_translations.py refuses a shipped
# catalog with an entry untranslated, fuzzy or with different placeholders.
LANGUAGES = [
    ("en", "English"),
    ("fr", "Français"),
    ("de", "Deutsch"),
    ("es", "Español"),
    ("pt-br", "Português (Brasil)"),
]
LOCALE_PATHS = [BASE_DIR / "postiz" / "locale"]
LANGUAGE_COOKIE_NAME = "postiz_language"
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600
LANGUAGE_COOKIE_SAMESITE = "Lax"
USE_TZ = True

# -- Static and media files ---------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)  # whitenoise reads it at start, before collectstatic
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = VAR_DIR / "media"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG or TESTING
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# -- Security ---------------------------------------------------------------------------
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = not DEBUG and _site.scheme == "https"
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = False
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if env.bool("SECURE_PROXY_SSL_HEADER", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=False)
SILENCED_SYSTEM_CHECKS = ["security.W008"]  # TLS redirect is usually the proxy's job.

# -- API --------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "EXCEPTION_HANDLER": "postiz.api.exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
}
# The Postiz-compatible surface (/public/v1): JSON bodies up to this many bytes (413 past
# it), and POST /posts limited per organization to this many requests per window (seconds;
# an organization's api_post_rate_limit overrides it; 0 = no limit).
COMPAT_MAX_JSON_BODY = env.int("COMPAT_MAX_JSON_BODY", default=1024 * 1024)
COMPAT_POST_RATE_LIMIT = env.int("COMPAT_POST_RATE_LIMIT", default=90)
COMPAT_POST_RATE_WINDOW = env.int("COMPAT_POST_RATE_WINDOW", default=3600)
# The native API (/api/v1): answers to creating requests sent with an Idempotency-Key are
# replayed for this many hours; PATCH/PUT/DELETE may be made to require If-Match.
API_IDEMPOTENCY_HOURS = env.int("API_IDEMPOTENCY_HOURS", default=24)
API_REQUIRE_IF_MATCH = env.bool("API_REQUIRE_IF_MATCH", default=False)
# API keys are stored as HMAC-SHA256 under this pepper (derived from SECRET_KEY when unset);
# changing it (or SECRET_KEY without it) makes every existing key stop working.
POSTIZ_API_KEY_PEPPER = env("POSTIZ_API_KEY_PEPPER", default="")
SPECTACULAR_SETTINGS = {
    "TITLE": "Postiz for Django API",
    "DESCRIPTION": (
        "Two surfaces over one service layer: the native API under /api/v1 and the "
        "Postiz-compatible API under /public/v1. Authenticate with an API key from "
        "Settings → API keys: `Authorization: Bearer <key>`."
    ),
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "PREPROCESSING_HOOKS": ["postiz.api_docs.only_documented_routes"],
    "SCHEMA_PATH_PREFIX": "/api/v1",
    # Choice sets that share a field name get a name of their own, not a hash suffix.
    "ENUM_NAME_OVERRIDES": {
        "PostStateEnum": [
            "draft",
            "scheduled",
            "publishing",
            "published",
            "failed",
            "unconfirmed",
            "cancelled",
            "missed",
        ],
        "CompatPostStateEnum": ["QUEUE", "PUBLISHED", "ERROR", "DRAFT"],
        "CompatStatusChangeStateEnum": ["DRAFT", "QUEUE"],
        "CreateActionEnum": ["draft", "schedule", "now", "queue"],
        "ChangeActionEnum": ["draft", "schedule", "now"],
    },
}
INSTALLED_APPS += ["drf_spectacular", "drf_spectacular_sidecar"]  # -- API
MIDDLEWARE.insert(0, "postiz.public_api.transport.CompatTransportMiddleware")  # -- API

# -- Background jobs (django-q2, ORM broker on the same database) -------------------------


def sized_to_cores(cores: int | None = None, *, most: int) -> int:
    """Publisher loops, or job workers, for a machine of ``cores`` (default: the cores this
    process may run on): half of them (the web server, the other of the two and PostgreSQL
    need the rest), at least one, at most ``most``. Each is a process holding ~20-35 MB."""
    if cores is None:
        import os

        cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 0
        cores = cores or os.cpu_count() or 1
    return max(1, min(most, cores // 2))


# `timeout` stays below `retry` so a task that runs too long is killed before the broker
# hands it out again; results of successful tasks are not saved (a large throughput cost).
# Workers run the jobs (webhooks, emails, the sweep, token refreshes), not the publishing.
Q_CLUSTER = {
    "name": "postiz",
    "orm": "default",
    "workers": env.int("POSTIZ_WORKERS", default=sized_to_cores(most=4)),
    "timeout": env.int("POSTIZ_TASK_TIMEOUT", default=240),
    "retry": env.int("POSTIZ_TASK_TIMEOUT", default=240) + 60,
    "max_attempts": 1,
    "save_limit": -1,
    "ack_failures": True,
    "catch_up": False,
    "poll": 0.5,
    "sync": TESTING,
    "label": "Background jobs",
}
# -- Publishing (posts/runner.py) --
# `manage.py publisher` runs this many publisher loops, each a process of its own (several
# share the queue safely; more than one per core does not help: a loop spends its CPU in
# Python, under one GIL), and the network calls each loop makes at once (threads that
# mostly wait on the network). The background worker (qcluster) runs everything else.
# By default half the cores (one loop on two cores), up to eight.
POSTIZ_PUBLISHERS = env.int("POSTIZ_PUBLISHERS", default=sized_to_cores(most=8))
POSTIZ_PUBLISH_CONCURRENCY = env.int("POSTIZ_PUBLISH_CONCURRENCY", default=64)
# Told to stop, a loop claims nothing more and gives the sends in flight this many seconds
# to return; a send still running then is looked up before it is ever sent again.
POSTIZ_PUBLISHER_STOP_GRACE = env.float("POSTIZ_PUBLISHER_STOP_GRACE", default=2.0)
# The publisher counts as down when no loop beat for this many seconds (each beats every 10).
POSTIZ_PUBLISHER_HEARTBEAT_MAX_AGE = env.int("POSTIZ_PUBLISHER_HEARTBEAT_MAX_AGE", default=60)
# -- end of publishing --
# The worker counts as down when its heartbeat is older than this many seconds.
POSTIZ_HEARTBEAT_MAX_AGE = env.int("POSTIZ_HEARTBEAT_MAX_AGE", default=180)
# A post found due later than this (the service was down) is not sent late: it waits
# for a person to post it now, reschedule or cancel it.
POSTIZ_MISSED_GRACE_MINUTES = env.int("POSTIZ_MISSED_GRACE_MINUTES", default=60)
# /health answers 503 (and the calendar warns) when a post is this many minutes overdue.
POSTIZ_LATE_POST_MINUTES = env.int("POSTIZ_LATE_POST_MINUTES", default=5)

# -- Logging ----------------------------------------------------------------------------
LOG_LEVEL = env("LOG_LEVEL", default="INFO").upper()
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        "django_q": {"level": env("DJANGO_Q_LOG_LEVEL", default="WARNING")},
        # urllib3 logs full request paths at DEBUG, and some networks put secrets in the
        # path (Telegram's bot token, Discord webhook tokens): never below INFO.
        "urllib3": {"level": "INFO"},
    },
}

# -- Invitations --------------------------------------------------------------------------
POSTIZ_INVITATION_DAYS = 7

# The address the reverse proxy saw (the last X-Forwarded-For entry) is the client's, for the
# audit log and the sign-in rate limits (postiz.http.client_ip); only behind such a proxy.
USE_X_FORWARDED_FOR = env.bool("USE_X_FORWARDED_FOR", default=False)
CSRF_FAILURE_VIEW = "postiz.views.csrf_failure"

# -- Channels ---------------------------------------------------------------------------
# OAuth applications of the networks; a network whose settings are empty is shown as
# "not configured" with the names to set.
PROVIDER_SETTINGS = {
    name: env(name, default="")
    for name in (
        "X_CLIENT_ID",
        "X_CLIENT_SECRET",
        "LINKEDIN_CLIENT_ID",
        "LINKEDIN_CLIENT_SECRET",
        "THREADS_APP_ID",
        "THREADS_APP_SECRET",
        "TIKTOK_CLIENT_KEY",
        "TIKTOK_CLIENT_SECRET",
        "TIKTOK_PULL_FROM_URL",
        "TIKTOK_BUSINESS_APP_ID",
        "TIKTOK_BUSINESS_APP_SECRET",
        "REDDIT_CLIENT_ID",
        "REDDIT_CLIENT_SECRET",
        "REDDIT_USERNAME",
        "SLACK_CLIENT_ID",
        "SLACK_CLIENT_SECRET",
        "DISCORD_CLIENT_ID",
        "DISCORD_CLIENT_SECRET",
        "DISCORD_BOT_TOKEN",
        "PINTEREST_CLIENT_ID",
        "PINTEREST_CLIENT_SECRET",
        "TUMBLR_CLIENT_ID",
        "TUMBLR_CLIENT_SECRET",
        "MEWE_APP_ID",
        "MEWE_API_KEY",
        "TWITCH_CLIENT_ID",
        "TWITCH_CLIENT_SECRET",
        "KICK_CLIENT_ID",
        "KICK_CLIENT_SECRET",
        "DRIBBBLE_CLIENT_ID",
        "DRIBBBLE_CLIENT_SECRET",
        "VK_CLIENT_ID",
        "GMB_CLIENT_ID",
        "GMB_CLIENT_SECRET",
        "YOUTUBE_CLIENT_ID",
        "YOUTUBE_CLIENT_SECRET",
        "FACEBOOK_APP_ID",
        "FACEBOOK_APP_SECRET",
        "INSTAGRAM_APP_ID",
        "INSTAGRAM_APP_SECRET",
    )
}
# Base URLs of the networks' APIs, per provider, e.g. {"x": {"api": "https://..."}}.
# Production values are the providers' defaults; tests point them at local fakes.
PROVIDER_ENDPOINTS = env.json("POSTIZ_PROVIDER_ENDPOINTS", default={})
# Addresses people give us (instances, relays, webhooks) may not lead to private, loopback
# or link-local hosts unless this is on (tests, or a deliberately private deployment).
POSTIZ_ALLOW_PRIVATE_URLS = env.bool("POSTIZ_ALLOW_PRIVATE_URLS", default=False)
# Connect flows (OAuth state) expire after this many seconds.
POSTIZ_CONNECT_STATE_SECONDS = 600

# -- Billing ----------------------------------------------------------------------------
# Without a secret key the instance is self-hosted: no billing pages, no limits.
STRIPE_SECRET_KEY = env("STRIPE_SECRET_KEY", default="")
STRIPE_PUBLISHABLE_KEY = env("STRIPE_PUBLISHABLE_KEY", default="")
STRIPE_WEBHOOK_SECRET = env("STRIPE_WEBHOOK_SECRET", default="")
# A webhook whose last this-many deliveries all failed for good is turned off (0: never).
POSTIZ_WEBHOOK_DISABLE_AFTER = env.int("POSTIZ_WEBHOOK_DISABLE_AFTER", default=20)
# Webhook deliveries sent at once (by one job in the worker), and at most for one
# organization, so one team's slow receiver never holds back another's.
POSTIZ_WEBHOOK_CONCURRENCY = env.int("POSTIZ_WEBHOOK_CONCURRENCY", default=4)
POSTIZ_WEBHOOK_ORG_CONCURRENCY = env.int("POSTIZ_WEBHOOK_ORG_CONCURRENCY", default=2)
# Tests point the library at a local fake of the Stripe API.
STRIPE_API_BASE = env("STRIPE_API_BASE", default="https://api.stripe.com")
# Days a subscription keeps its plan after a failed payment, before the free plan's limits.
POSTIZ_BILLING_GRACE_DAYS = env.int("POSTIZ_BILLING_GRACE_DAYS", default=7)
# Pages and the API answer a reached limit the same way, wherever it was raised.
MIDDLEWARE += ["billing.middleware.LimitReachedMiddleware"]
# -- End of billing ---------------------------------------------------------------------

# -- Media ------------------------------------------------------------------------------
# Largest file accepted per kind, and each organization's total (0 = no limit), in MB.
POSTIZ_MEDIA_MAX_IMAGE_MB = env.int("POSTIZ_MEDIA_MAX_IMAGE_MB", default=20)
POSTIZ_MEDIA_MAX_VIDEO_MB = env.int("POSTIZ_MEDIA_MAX_VIDEO_MB", default=1024)
POSTIZ_MEDIA_MAX_DOCUMENT_MB = env.int("POSTIZ_MEDIA_MAX_DOCUMENT_MB", default=100)
POSTIZ_MEDIA_QUOTA_MB = env.int("POSTIZ_MEDIA_QUOTA_MB", default=5120)
# Fetching a file from an address: seconds to connect, between two reads, and in all.
POSTIZ_MEDIA_FETCH_TIMEOUT = env.float("POSTIZ_MEDIA_FETCH_TIMEOUT", default=5.0)
POSTIZ_MEDIA_FETCH_TOTAL_SECONDS = env.int("POSTIZ_MEDIA_FETCH_TOTAL_SECONDS", default=30)
# Networks fetch media by URL, so files must be reachable from outside: on local disk
# they are served at SITE_URL + MEDIA_URL (by the app when DEBUG, else by the web server);
# with a bucket, by the bucket or its public domain.
POSTIZ_S3_BUCKET = env("POSTIZ_S3_BUCKET", default="")
if POSTIZ_S3_BUCKET:
    _s3_public = urlsplit(env("POSTIZ_S3_PUBLIC_URL", default=""))
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": POSTIZ_S3_BUCKET,
            "endpoint_url": env("POSTIZ_S3_ENDPOINT_URL", default="") or None,
            "region_name": env("POSTIZ_S3_REGION", default="") or None,
            "access_key": env("POSTIZ_S3_ACCESS_KEY_ID", default="") or None,
            "secret_key": env("POSTIZ_S3_SECRET_ACCESS_KEY", default="") or None,
            "querystring_auth": env.bool("POSTIZ_S3_QUERYSTRING_AUTH", default=False),
            "custom_domain": (_s3_public.netloc + _s3_public.path.rstrip("/")) or None,
            "url_protocol": f"{_s3_public.scheme or 'https'}:",
            "file_overwrite": False,
            "signature_version": "s3v4",
        },
    }

# -- Refusals and outages (postiz/middleware.py) ----------------------------------------
# Text that cannot be stored (NUL, lone surrogates) in a query string or a form is a 400
# naming the field (checked after CSRF, with messages to say which); a database that
# cannot be reached is a 503 instead of a 500.
MIDDLEWARE.insert(
    MIDDLEWARE.index("django.contrib.messages.middleware.MessageMiddleware") + 1,
    "postiz.middleware.BadInputMiddleware",
)
MIDDLEWARE += ["postiz.middleware.DatabaseUnavailableMiddleware"]
# JSON nested too deeply to read, or holding such text, is a 400 on every DRF view.
REST_FRAMEWORK["DEFAULT_PARSER_CLASSES"] = [
    "postiz.parsers.JSONParser",
    "rest_framework.parsers.FormParser",
    "rest_framework.parsers.MultiPartParser",
]
# A 403 is an everyday answer: one line, no traceback. Django's own "django" logger also
# printed every record itself when DEBUG (so each came out twice); it now only mails
# errors (when ADMINS is set) and leaves printing to the console handler above.
LOGGING["filters"] = {
    "one_line_refusals": {"()": "postiz.log_filters.OneLineRefusals"},
    "require_debug_false": {"()": "django.utils.log.RequireDebugFalse"},
}
LOGGING["handlers"]["mail_admins"] = {
    "level": "ERROR",
    "filters": ["require_debug_false"],
    "class": "django.utils.log.AdminEmailHandler",
}
LOGGING["loggers"]["django"] = {"handlers": ["mail_admins"], "level": "INFO"}
LOGGING["loggers"]["django.request"] = {"filters": ["one_line_refusals"]}
# -- Agents (MCP): the SDK logs every stateless request it serves at INFO.
LOGGING["loggers"]["mcp"] = {"level": "WARNING"}
# -- end of refusals and outages --

# -- Content security policy (django-csp) -------------------------------------------------
# Pages run only the scripts and stylesheets served from static/: no inline code anywhere
# (values travel in data- attributes). Pictures and videos may come from other https hosts
# (the networks' avatars, an S3 bucket or its CDN); a plain-http bucket (a local MinIO) is
# added by its origin. A form may lead on to https (signing in with Google, connecting a
# channel: the answer redirects to the network). Django's debug pages (DEBUG, 404 and 500)
# are left without the header by django-csp.
_csp_media = ["'self'", "data:", "blob:", "https:"] + [
    f"{part.scheme}://{part.netloc}"
    for part in (
        urlsplit(env("POSTIZ_S3_PUBLIC_URL", default="")),
        urlsplit(env("POSTIZ_S3_ENDPOINT_URL", default="")),
    )
    if part.scheme == "http" and part.netloc
]
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": _csp_media,
        "media-src": _csp_media,
        "connect-src": ["'self'"],
        "font-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'", "https:"],
        "frame-ancestors": ["'none'"],
    },
}
MIDDLEWARE += ["csp.middleware.CSPMiddleware"]
# -- end of content security policy --

# -- Short links (posts/links) ------------------------------------------------------------
# The shortener organizations use unless they choose one: builtin (this site's /l/<code>
# links, needing nothing else), dub, shortio or kutt.
SHORTLINK_PROVIDER = env("SHORTLINK_PROVIDER", default="builtin")
# The address the built-in short links start with (a short domain routed to this site).
SHORTLINK_BASE_URL = env("SHORTLINK_BASE_URL", default=SITE_URL).rstrip("/")
DUB_API_KEY = env("DUB_API_KEY", default="")
DUB_DOMAIN = env("DUB_DOMAIN", default="")
DUB_API_URL = env("DUB_API_URL", default="https://api.dub.co")
SHORTIO_API_KEY = env("SHORTIO_API_KEY", default="")
SHORTIO_DOMAIN = env("SHORTIO_DOMAIN", default="")
SHORTIO_API_URL = env("SHORTIO_API_URL", default="https://api.short.io")
SHORTIO_STATS_URL = env("SHORTIO_STATS_URL", default="https://api-v2.short.io")
KUTT_URL = env("KUTT_URL", default="")
KUTT_API_KEY = env("KUTT_API_KEY", default="")
# -- end of short links --

# -- AI writing help (posts/assist) -------------------------------------------------------
# Any OpenAI-compatible server (OpenAI, Ollama, vLLM, LiteLLM...). Off unless both the base
# URL (".../v1") and the model are set; a local server needs no key.
AI_BASE_URL = env("AI_BASE_URL", default="").rstrip("/")
AI_API_KEY = env("AI_API_KEY", default="")
AI_MODEL = env("AI_MODEL", default="")
# Suggestions each organization may ask for per day when billing is off (0: no limit); with
# billing on, the plan's "AI requests per day" applies.
AI_REQUESTS_PER_DAY = env.int("AI_REQUESTS_PER_DAY", default=100)
# -- end of AI writing help --

# -- OAuth 2 for third-party apps (django-oauth-toolkit; organizations.oauth) --------------
INSTALLED_APPS += ["oauth2_provider"]
# Apps one address may register (RFC 7591, /oauth/register) per hour (postiz/oauth_registration.py).
POSTIZ_OAUTH_REGISTRATIONS_PER_HOUR = env.int("POSTIZ_OAUTH_REGISTRATIONS_PER_HOUR", default=20)
OAUTH2_PROVIDER = {
    # The scopes are the API keys' (organizations.models.ApiScope), read at run time.
    "SCOPES_BACKEND_CLASS": "organizations.oauth.ApiKeyScopes",
    "OAUTH2_VALIDATOR_CLASS": "organizations.oauth.GrantBindingValidator",
    # Access tokens read pos_…, the prefix Postiz clients know as "an OAuth token".
    "ACCESS_TOKEN_GENERATOR": "organizations.oauth.new_access_token",
    "REFRESH_TOKEN_GENERATOR": "organizations.oauth.new_refresh_token",
    "ACCESS_TOKEN_EXPIRE_SECONDS": env.int("OAUTH_ACCESS_TOKEN_SECONDS", default=3600),
    "REFRESH_TOKEN_EXPIRE_SECONDS": env.int("OAUTH_REFRESH_TOKEN_DAYS", default=90) * 86400,
    "AUTHORIZATION_CODE_EXPIRE_SECONDS": 60,
    # PKCE with S256 for every authorization code ("plain" is refused).
    "PKCE_REQUIRED": True,
    "COMPLIANT_BCP_RFC9700_PKCE_METHOD": True,
    "COMPLIANT_BCP_RFC9700_IMPLICIT_GRANT": True,
    "COMPLIANT_BCP_RFC9700_PASSWORD_GRANT": True,
    # Only SHA-256 checksums of access and refresh tokens are stored, never the tokens.
    "COMPLIANT_BCP_RFC9700_TOKEN_STORAGE": True,
    "REFRESH_TOKEN_REUSE_PROTECTION": True,
    # RFC 7591: anyone may register; a person still approves every app on the consent page.
    "DCR_ENABLED": True,
    "DCR_REGISTRATION_PERMISSION_CLASSES": ("oauth2_provider.dcr.AllowAllDCRPermission",),
    "OAUTH2_RESPONSE_TYPES_SUPPORTED": ["code"],
    "OAUTH2_GRANT_TYPES_SUPPORTED": ["authorization_code", "refresh_token"],
    "OAUTH2_TOKEN_ENDPOINT_AUTH_METHODS_SUPPORTED": [
        "none",
        "client_secret_basic",
        "client_secret_post",
    ],
    "OAUTH2_PROTECTED_RESOURCE_NAME": "Postiz API",
}
# The toolkit's models are swappable; migrations that point at them read these names.
OAUTH2_PROVIDER_APPLICATION_MODEL = "oauth2_provider.Application"
OAUTH2_PROVIDER_ACCESS_TOKEN_MODEL = "oauth2_provider.AccessToken"  # noqa: S105 - a model name
OAUTH2_PROVIDER_REFRESH_TOKEN_MODEL = "oauth2_provider.RefreshToken"  # noqa: S105 - a model name
OAUTH2_PROVIDER_GRANT_MODEL = "oauth2_provider.Grant"
OAUTH2_PROVIDER_DEVICE_GRANT_MODEL = "oauth2_provider.DeviceGrant"
OAUTH2_PROVIDER_ID_TOKEN_MODEL = "oauth2_provider.IDToken"  # noqa: S105 - a model name

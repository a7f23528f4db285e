"""Settings for Smarketing, read from the environment.

With no environment set the portal runs embedded: SQLite in the project folder, a
Celery worker and beat beside the web server on a filesystem broker (STATE_DIR), a file
cache, DEBUG on.
Production sets DATABASE_URL, REDIS_URL, SECRET_KEY, ALLOWED_HOSTS (and DEBUG=0, which
is also the default as soon as DATABASE_URL is set).
"""

import os
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DATABASE_URL = os.environ.get("DATABASE_URL", "")
REDIS_URL = os.environ.get("REDIS_URL", "")

# DEBUG defaults on only for the embedded configuration, so that a production
# deployment that forgets DEBUG=0 (but sets DATABASE_URL) is still safe.
DEBUG = env_bool("DEBUG", default=not DATABASE_URL)

_DEV_SECRET_KEY = "django-insecure-embedded-development-key-never-use-in-production"  # noqa: S105
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY must be set when DEBUG is off. Generate one with: "
            "python -c 'import secrets; print(secrets.token_urlsafe(50))'"
        )
    SECRET_KEY = _DEV_SECRET_KEY
elif not DEBUG and (SECRET_KEY.startswith("django-insecure") or len(SECRET_KEY) < 50):
    raise ImproperlyConfigured("SECRET_KEY is too weak for production: use 50+ random characters.")

# Development tools (scale seeding, benchmarks, load tests, /bench/bare) come with DEBUG;
# production leaves them out unless a scratch deployment asks (SMARKETING_DEVTOOLS=1).
DEVTOOLS = env_bool("SMARKETING_DEVTOOLS", default=DEBUG)

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "axes",
    "csp",
    "django_filters",
    "template_partials",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "messaging",
    "leads",
    "feedback",
    "insight",
    "notifications",
    "demo",
    "home",
    "api",
    *(["devtools"] if DEVTOOLS else []),
    # Last, so that its post_migrate role sync sees every app's permissions.
    "smarketing",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Under /api/v1/ every error is JSON (a 404 for a bad path, a 500), never a page.
    "api.errors.ApiJsonErrorsMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    # Django's, taking the person from the session's cache read when it is current
    # (smarketing.people; issue 19).
    "smarketing.auth.AuthenticationMiddleware",
    "smarketing.audit.AuditActorMiddleware",
    # Times in the person's own zone (from the session: no query).
    "smarketing.middleware.TimeZoneMiddleware",
    # Every page requires login unless its view is marked @login_not_required.
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # django-csp's, with the policy built once per process (issue 19).
    "smarketing.middleware.CSPMiddleware",
    "smarketing.middleware.PermissionsPolicyMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Last, as django-axes requires: it turns a lockout into the lockout page.
    "axes.middleware.AxesMiddleware",
]

AUTHENTICATION_BACKENDS = [
    # First: refuses a login attempt while its username and address are locked out.
    "axes.backends.AxesStandaloneBackend",
    # Django's ModelBackend, loading the person's roles in the same query as the user
    # row (issue 19). Sessions started under the plain ModelBackend log in again once.
    "smarketing.auth.RolesModelBackend",
]
# Login throttling: 5 failures for one username from one address lock that pair out for
# an hour (a successful login resets the count). Behind a proxy, set AXES_IPWARE_PROXY_COUNT.
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = float(os.environ.get("AXES_COOLOFF_HOURS", "1"))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
if os.environ.get("AXES_IPWARE_PROXY_COUNT"):
    AXES_IPWARE_PROXY_COUNT = int(os.environ["AXES_IPWARE_PROXY_COUNT"])
    AXES_IPWARE_META_PRECEDENCE_ORDER = ["HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"]

# Content Security Policy: only our own scripts and styles, no inline script, no eval
# (htmx is configured to match in base.html), no framing, forms post only to us.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    }
}
PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=(), usb=()"

ROOT_URLCONF = "smarketing.urls"

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
                "smarketing.context_processors.navigation",
                "notifications.context_processors.unread_count",
            ],
            "builtins": ["template_partials.templatetags.partials"],
        },
    },
]
# Django's form renderer with every <select> written in Python (smarketing.forms).
FORM_RENDERER = "smarketing.forms.FormRenderer"

WSGI_APPLICATION = "smarketing.wsgi.application"


def database_config(url: str) -> dict:
    """The database named by `url` (dj-database-url), with the options this portal needs."""
    postgres = url.startswith("postgres")
    config = dj_database_url.parse(
        url, conn_max_age=60 if postgres else 0, conn_health_checks=postgres
    )
    if config["ENGINE"] == "django.db.backends.postgresql":
        # A request never waits on a server that accepts and then never answers: the
        # connect is bounded, and a dead peer is noticed by TCP keepalives and the
        # kernel's user timeout (unacknowledged data) instead of the default ~15 minutes.
        # No statement_timeout: imports, rebuilds and seed_scale run long queries.
        config["OPTIONS"] = {
            "connect_timeout": int(os.environ.get("DATABASE_CONNECT_TIMEOUT", "5")),
            "keepalives": 1,
            "keepalives_idle": 30,
            "keepalives_interval": 10,
            "keepalives_count": 3,
            "tcp_user_timeout": 60_000,
            **config.get("OPTIONS", {}),  # what the URL's query string sets wins
        }
    elif config["ENGINE"] == "django.db.backends.sqlite3":
        # WAL and IMMEDIATE transactions let runserver's threads (and the embedded
        # worker, another process) write without "database is locked" errors.
        config["OPTIONS"] = {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    return config


DATABASES = {"default": database_config(DATABASE_URL or f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-us"
TIME_ZONE = os.environ.get("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

# Where the portal is reached: emails carry absolute links built on it
# (smarketing.web.absolute_url).
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))
MEDIA_URL = "media/"


def redis_cache(url: str) -> dict:
    """The cache on Redis: it fails soft (smarketing/cache.py), so every page works
    without it, and a hung Redis costs a request at most the socket timeouts."""
    return {
        "BACKEND": "smarketing.cache.FailSoftRedisCache",
        "LOCATION": url,
        "KEY_PREFIX": os.environ.get("CACHE_KEY_PREFIX", "smarketing"),
        "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
    }


def redis_caches(url: str) -> dict:
    """The cache aliases on Redis. Sessions keep a plain Redis cache (Django's, cheaper
    per call: smarketing.cache.RedisCache): a logout must not succeed silently with the
    session left in the cache (it would be signed in again once Redis answers);
    smarketing/sessions.py reads the database when it is down."""
    plain = {**redis_cache(url), "BACKEND": "smarketing.cache.RedisCache"}
    return {"default": redis_cache(url), "sessions": plain}


# Files the portal keeps between runs besides the database: the embedded broker's
# queue, beat's schedule, the embedded cache. Gitignored; a state dir of their own per
# test run (tests/settings.py).
STATE_DIR = Path(os.environ.get("SMARKETING_STATE_DIR", BASE_DIR / "var"))

# Cache and Celery: Redis when REDIS_URL is set. Embedded (no REDIS_URL), the broker is
# kombu's filesystem transport in STATE_DIR: a real worker and beat run next to the web
# server (`manage.py serve_embedded`, what `make run` starts), so the SLA scan, the
# digests and the rebuilds run as in production, with no server to install. Chosen over
# kombu's SQLAlchemy transport on the SQLite file: no new dependency, and the queue's
# polling does not compete with the portal for SQLite's one writer lock. The cache is
# a file cache there, so the web process sees the worker's heartbeat.
if REDIS_URL:
    CACHES = redis_caches(REDIS_URL)
    CELERY_BROKER_URL = REDIS_URL
    _BROKER_OPTIONS = {}
else:
    # Made when first used (smarketing/celery.py), so a command that never sends a task
    # leaves no folder behind.
    _broker_dir = STATE_DIR / "broker"
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(STATE_DIR / "cache"),
        }
    }
    CELERY_BROKER_URL = "filesystem://localhost/"
    _BROKER_OPTIONS = {
        "data_folder_in": str(_broker_dir / "queue"),
        "data_folder_out": str(_broker_dir / "queue"),
        "control_folder": str(_broker_dir / "control"),
        "processed_folder": str(_broker_dir / "processed"),
        "polling_interval": 0.5,
    }
    # The filesystem transport has no broadcast worth the polling: no remote control.
    CELERY_WORKER_ENABLE_REMOTE_CONTROL = False
# Eager (tasks run in the caller's process after commit) only when asked: the tests
# ask for it (tests/settings.py); `CELERY_TASK_ALWAYS_EAGER=1 manage.py runserver`
# serves without a worker.
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
CELERY_BEAT_SCHEDULE_FILENAME = str(STATE_DIR / "celerybeat-schedule")
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_IGNORE_RESULT = True
# Celery's Django fixup closes the database connection around every task unless this
# is set: a new PostgreSQL connection per task was 40% of the engine worker's busy time.
# With it set the fixup (nearly) never closes; smarketing/celery.py applies Django's
# own rule (CONN_MAX_AGE, CONN_HEALTH_CHECKS, broken connections) around each task.
CELERY_DB_REUSE_MAX = 10**9
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A request must never hang on an unreachable broker.
CELERY_BROKER_CONNECTION_TIMEOUT = 3
CELERY_BROKER_TRANSPORT_OPTIONS = {
    **_BROKER_OPTIONS,
    "max_retries": 2,
    "interval_start": 0,
    "interval_step": 0.5,
    "interval_max": 1,
    "socket_connect_timeout": 3,
    "socket_timeout": 5,
}
CELERY_BEAT_SCHEDULE = {
    "worker-heartbeat": {"task": "smarketing.tasks.worker_heartbeat", "schedule": 60.0},
    "outbox-drain": {"task": "smarketing.tasks.outbox_drain_task", "schedule": 30.0},
    "engine-sweep": {"task": "feedback.tasks.engine_sweep_task", "schedule": 60.0},
    "imports-stalled-resume": {
        "task": "leads.tasks.lead_imports_stalled_resume_task",
        "schedule": 15.0,
    },
    "sla-breaches-scan": {
        "task": "leads.tasks.sla_breaches_scan_task",
        "schedule": float(os.environ.get("SLA_SCAN_SECONDS", "300")),
    },
    "backlog-release": {"task": "leads.tasks.backlog_release_task", "schedule": 300.0},
    "suggestions-refresh": {"task": "feedback.tasks.suggestions_refresh_task", "schedule": 3600.0},
    # The inbox's objection-gap panel, recounted before its cache entry (kept for twice
    # OBJECTION_GAPS_CACHE_SECONDS) expires.
    "objection-gaps-refresh": {
        "task": "feedback.tasks.objection_gaps_refresh_task",
        "schedule": max(60.0, float(os.environ.get("OBJECTION_GAPS_CACHE_SECONDS", "300"))),
    },
    "freshness-scan": {"task": "messaging.tasks.freshness_scan_task", "schedule": 3600.0},
    "insight-rebuild": {
        "task": "insight.tasks.attribution_rebuild_all_task",
        "schedule": crontab(hour=3, minute=30),
    },
    "webhook-retries": {"task": "api.tasks.webhook_retries_task", "schedule": 60.0},
    "marketing-digest": {
        "task": "feedback.tasks.digest_send_task",
        "schedule": crontab(hour=7, minute=0),
    },
    "weekly-summary": {
        "task": "home.tasks.weekly_summary_send_task",
        "schedule": crontab(day_of_week="mon", hour=7, minute=15),
    },
}

EMAIL_BACKEND = os.environ.get(
    "EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "smarketing@localhost")

# Security: production defaults that make `check --deploy` clean. Behind a TLS-
# terminating proxy, the proxy must set X-Forwarded-Proto.
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
CSRF_COOKIE_HTTPONLY = False  # htmx reads the token from the page, not the cookie
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = 60 * 60 * 12
SESSION_COOKIE_HTTPONLY = True
# Sessions read from the cache, written through to the database (issue 19).
SESSION_ENGINE = "smarketing.sessions"
SESSION_CACHE_ALIAS = "sessions" if REDIS_URL else "default"
if not DEBUG:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    # Load balancers probe over plain HTTP.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", str(60 * 60 * 24 * 365)))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
    SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", True)
    CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", True)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "axes": {"level": "WARNING"},
        # In eager mode every task would log a success line into the web server's output.
        "celery.app.trace": {"level": "WARNING" if not REDIS_URL else "INFO"},
    },
}

# Pagination and list sizes used by every list page.
PAGE_SIZE = 25
# How stale the suggestion inbox's "objections with no handler" panel may be.
OBJECTION_GAPS_CACHE_SECONDS = int(os.environ.get("OBJECTION_GAPS_CACHE_SECONDS", "300"))
# A live version published longer ago than this is listed on marketing's home page
# as due for a review.
CONTENT_REVIEW_DAYS = int(os.environ.get("CONTENT_REVIEW_DAYS", "90"))
# Drift (feedback.drift): a passage is flagged "drifting", and the message's owner asked
# to review it, when sales changed it in more than DRIFT_SHARE of the calls counted on
# its version, once at least DRIFT_MIN_CALLS calls were counted.
DRIFT_SHARE = float(os.environ.get("DRIFT_SHARE", "0.5"))
DRIFT_MIN_CALLS = int(os.environ.get("DRIFT_MIN_CALLS", "5"))

# The JSON API (/api/v1/, the api app): personal tokens only (a script never holds a
# session), JSON in and out, errors as {detail, fields}, a rate limit per token.
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["api.authentication.ApiTokenAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_THROTTLE_CLASSES": ["api.authentication.ApiTokenRateThrottle"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "api.errors.api_exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
# Requests per token (DRF's rate syntax: N/second, minute, hour or day).
API_TOKEN_RATE = os.environ.get("API_TOKEN_RATE", "600/minute")
SPECTACULAR_SETTINGS = {
    "TITLE": "Smarketing API",
    "DESCRIPTION": (
        "Leads, attempts, call logs, opportunities and live messages for the CRM, the "
        "phone system and data vendors. Authenticate with a personal token "
        "(Authorization: Bearer smk_...), made on /api/tokens/."
    ),
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "SCHEMA_PATH_PREFIX": "/api/v1/",
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # Several models have a field called outcome, status or kind: one name each.
    "ENUM_NAME_OVERRIDES": {
        "AttemptOutcomeEnum": "leads.models.Attempt.Outcome",
        "CallOutcomeEnum": "feedback.models.CallLog.Outcome",
        "LeadStatusEnum": "leads.models.Lead.Status",
        "SuggestionStatusEnum": "feedback.models.Suggestion.Status",
        "VersionStatusEnum": "messaging.models.MessageVersion.Status",
        "PassageKindEnum": "messaging.models.Passage.Kind",
        "ChangeKindEnum": "feedback.models.ChangeKind",
    },
}

"""Settings for Smarketing, read from the environment.

With no environment set the portal runs embedded: SQLite in the project folder, Celery
tasks run eagerly (after commit, in the web process), local-memory cache, DEBUG on.
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
    "messaging",
    "leads",
    "feedback",
    "insight",
    "notifications",
    "demo",
    "home",
    *(["devtools"] if DEVTOOLS else []),
    # Last, so that its post_migrate role sync sees every app's permissions.
    "smarketing",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "smarketing.audit.AuditActorMiddleware",
    # Times in the person's own zone (from the session: no query).
    "smarketing.middleware.TimeZoneMiddleware",
    # Every page requires login unless its view is marked @login_not_required.
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
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

WSGI_APPLICATION = "smarketing.wsgi.application"

DATABASES = {
    "default": dj_database_url.parse(
        DATABASE_URL or f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=0 if not DATABASE_URL else 60,
        conn_health_checks=bool(DATABASE_URL),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL and IMMEDIATE transactions let runserver's threads write without
    # "database is locked" errors.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }

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

# Cache and Celery: Redis when REDIS_URL is set, otherwise in-process.
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": os.environ.get("CACHE_KEY_PREFIX", "smarketing"),
            "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
        }
    }
    CELERY_BROKER_URL = REDIS_URL
    CELERY_TASK_ALWAYS_EAGER = False
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    CELERY_BROKER_URL = "memory://localhost/"
    # Tasks are enqueued with transaction.on_commit, so eager mode runs them after
    # the commit, in the web process: no broker or worker needed to try the portal.
    CELERY_TASK_ALWAYS_EAGER = True
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
    "sla-breaches-scan": {"task": "leads.tasks.sla_breaches_scan_task", "schedule": 300.0},
    "suggestions-refresh": {"task": "feedback.tasks.suggestions_refresh_task", "schedule": 3600.0},
    "insight-rebuild": {
        "task": "insight.tasks.attribution_rebuild_all_task",
        "schedule": crontab(hour=3, minute=30),
    },
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

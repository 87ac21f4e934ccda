"""Django settings for certtrack, driven by the CERTTRACK_* environment variables (see API.md)."""

import os
import secrets
from datetime import timedelta
from pathlib import Path
from urllib.parse import unquote, urlsplit

import dj_database_url

from certtrack import logs

BASE_DIR = Path(__file__).resolve().parent
# Everything this process creates (SQLite file and its -wal/-shm/-journal, keys, evidence,
# the secret key, logs) is the operator's alone: directories 0700, files 0600.
os.umask(0o077)
DATA_DIR = Path(os.environ.get("CERTTRACK_DATA_DIR", "./var")).resolve()
DATA_DIR.mkdir(mode=0o700, parents=True, exist_ok=True)


def _secret_key() -> str:
    """The key from the environment, else one generated once into the data dir."""
    if key := os.environ.get("CERTTRACK_SECRET_KEY"):
        return key
    path = DATA_DIR / "secret_key"
    if not path.exists():
        try:
            # O_EXCL: two processes starting at once keep one key; 0600 from the first byte.
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as f:
                f.write(secrets.token_urlsafe(50))
        except FileExistsError:
            pass
    return path.read_text().strip()


def _flag(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


SECRET_KEY = _secret_key()
DEBUG = _flag("CERTTRACK_DEBUG")
BASE_URL = os.environ.get("CERTTRACK_BASE_URL", "http://127.0.0.1:8000").rstrip("/")
_BASE = urlsplit(BASE_URL)
HTTPS = _BASE.scheme == "https"
# The host of CERTTRACK_BASE_URL, the loopback names (health checks, `make run`) and any
# CERTTRACK_ALLOWED_HOSTS (comma-separated); Django's test runner adds "testserver".
ALLOWED_HOSTS = [
    _BASE.hostname or "localhost",
    "localhost",
    "127.0.0.1",
    "[::1]",
    *filter(None, (h.strip() for h in os.environ.get("CERTTRACK_ALLOWED_HOSTS", "").split(","))),
]
CSRF_TRUSTED_ORIGINS = [BASE_URL, "http://127.0.0.1:8000", "http://localhost:8000"]

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
    "ninja",
    "axes",
    "csp",
    "certtrack.accounts",
    "certtrack.certification",
    "certtrack.notifications",
    "certtrack.operations",
    "certtrack.credentials",
    "certtrack.imports",
    "certtrack.backoffice",
    "certtrack.portal",
    "certtrack.api",
]

MIDDLEWARE = [
    "certtrack.api.middleware.JsonErrors",  # outermost: sees every answer under /api/v1
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "certtrack.middleware.NoStoreMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "certtrack.middleware.SessionIdleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",  # last: turns a locked-out sign-in into the 429 page
]

ROOT_URLCONF = "certtrack.urls"
WSGI_APPLICATION = "certtrack.wsgi.application"

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
                "certtrack.credentials.branding.context",
            ],
        },
    },
]


def _database() -> dict:
    url = os.environ.get("CERTTRACK_DATABASE_URL") or f"sqlite:///{DATA_DIR / 'certtrack.sqlite3'}"
    config = dj_database_url.parse(url, conn_max_age=60)
    if config["ENGINE"] == "django.db.backends.sqlite3":
        # IMMEDIATE: a transaction takes the write lock when it starts, so two
        # processes never both read, then both try to write (no deadlock, no lost update).
        config["OPTIONS"] = {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
        config["CONN_MAX_AGE"] = 0
    else:
        config["CONN_HEALTH_CHECKS"] = True
        # Parameters sent apart from the statement (psycopg's server-side binding), not
        # quoted into its text in Python: a worker pass at a million enrollments spends
        # 8-13 % less (docs/decisions.md). Statements stay unprepared (Django's default,
        # prepare_threshold None): every run planned for its own values, and no named
        # statement left on a connection a pooler could hand to another client.
        config.setdefault("OPTIONS", {})["server_side_binding"] = True
    return config


DATABASES = {"default": _database()}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "/staff/login/"

# Staff and admin sign-in throttled by django-axes: after CERTTRACK_LOGIN_FAILURE_LIMIT
# failures for one account, or from one address, sign-in is refused (even with the right
# password) until CERTTRACK_LOGIN_LOCKOUT_MINUTES pass without another failure.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = int(os.environ.get("CERTTRACK_LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("CERTTRACK_LOGIN_LOCKOUT_MINUTES", "15")))
# Per account here; per address (a higher limit, so one person's typos never lock out a
# shared office address) in certtrack.accounts.throttle.
AXES_LOCKOUT_PARAMETERS = ["username"]
AXES_HANDLER = "certtrack.accounts.throttle.Throttle"
# axes.W006 warns that the address is not a lockout parameter: the Throttle handler
# counts it itself, with its own (higher) limit.
SILENCED_SYSTEM_CHECKS = ["axes.W006"]
CERTTRACK_LOGIN_ADDRESS_FAILURE_LIMIT = int(
    os.environ.get("CERTTRACK_LOGIN_ADDRESS_FAILURE_LIMIT", "30")
)
# A locked-out attempt (even with the right password) does not restart the cool-off.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
# The address is the one client-IP rule of every limit (CERTTRACK_TRUSTED_PROXIES).
AXES_CLIENT_IP_CALLABLE = "certtrack.clientip.client_ip"
AXES_RESET_ON_SUCCESS = True
AXES_USERNAME_CALLABLE = "certtrack.backoffice.views.auth.sign_in_name"
AXES_LOCKOUT_CALLABLE = "certtrack.backoffice.views.auth.locked_out"
AXES_SENSITIVE_PARAMETERS: list[str] = []  # the log names account and address; never passwords

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
FORMAT_MODULE_PATH = ["certtrack.formats"]  # day-first dates (certtrack/formats)
TIME_ZONE = "UTC"  # storage; calendar logic uses General Settings' time zone
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)  # whitenoise warns about a missing directory
STORAGES = {
    "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": DATA_DIR / "files"},  # outside any web root
    },
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Django chmods uploads to 0644 by default, whatever the umask: evidence stays private.
FILE_UPLOAD_PERMISSIONS = 0o600
FILE_UPLOAD_DIRECTORY_PERMISSIONS = 0o700
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
# Idle timeout: a session unused this long is over (use pushes the end back, see
# certtrack.middleware.SessionIdleMiddleware).
SESSION_COOKIE_AGE = int(float(os.environ.get("CERTTRACK_SESSION_IDLE_HOURS", "8")) * 3600)
# An https base URL means a TLS proxy in front (gunicorn speaks plain HTTP): it must set
# X-Forwarded-Proto; plain-HTTP requests are redirected and HSTS is sent.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if HTTPS else None
SECURE_SSL_REDIRECT = HTTPS
SECURE_HSTS_SECONDS = int(os.environ.get("CERTTRACK_HSTS_SECONDS", "31536000")) if HTTPS else 0

# Content-Security-Policy (django-csp): scripts, styles, images and fonts from this site
# only, no inline script or style, no plugins, no framing, forms post only here.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    }
}


def _email(url: str | None) -> dict:
    """Django's email settings from CERTTRACK_EMAIL_URL."""
    if not url or url.startswith("console"):
        return {"EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend"}
    if url.startswith("locmem"):
        return {"EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend"}
    parts = urlsplit(url)
    if parts.scheme not in {"smtp", "smtp+tls", "smtp+ssl", "smtps"}:
        raise ValueError(f"CERTTRACK_EMAIL_URL: unknown scheme {parts.scheme!r}")
    return {
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": parts.hostname or "localhost",
        "EMAIL_PORT": parts.port or (465 if parts.scheme in {"smtps", "smtp+ssl"} else 25),
        "EMAIL_HOST_USER": unquote(parts.username or ""),
        "EMAIL_HOST_PASSWORD": unquote(parts.password or ""),
        "EMAIL_USE_TLS": parts.scheme == "smtp+tls",
        "EMAIL_USE_SSL": parts.scheme in {"smtps", "smtp+ssl"},
        "EMAIL_TIMEOUT": 20,
    }


globals().update(_email(os.environ.get("CERTTRACK_EMAIL_URL")))
DEFAULT_FROM_EMAIL = os.environ.get("CERTTRACK_FROM_EMAIL", "certtrack@localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Every CERTTRACK_* variable is read here and nowhere else: other modules read
# django.conf.settings (tests override them there).
# The organization named on certificates until General Settings names one.
CERTTRACK_ISSUER_NAME = os.environ.get("CERTTRACK_ISSUER_NAME", "").strip() or "certtrack"
# Public verification: requests allowed per client IP per window (seconds).
CERTTRACK_VERIFY_RATE_LIMIT = int(os.environ.get("CERTTRACK_VERIFY_RATE_LIMIT", "30"))
CERTTRACK_VERIFY_RATE_WINDOW = int(os.environ.get("CERTTRACK_VERIFY_RATE_WINDOW", "60"))
# Portal sign-in link requests per email address and per client IP in 15 minutes.
CERTTRACK_PORTAL_SIGNIN_PER_ADDRESS = int(
    os.environ.get("CERTTRACK_PORTAL_SIGNIN_PER_ADDRESS", "5")
)
CERTTRACK_PORTAL_SIGNIN_PER_IP = int(os.environ.get("CERTTRACK_PORTAL_SIGNIN_PER_IP", "20"))
# How many reverse proxies in front of gunicorn append to X-Forwarded-For. 0: the client
# is REMOTE_ADDR and the header is ignored (any client can write it); 1: the last address
# in the header, the one our proxy saw (certtrack.clientip.client_ip).
CERTTRACK_TRUSTED_PROXIES = int(os.environ.get("CERTTRACK_TRUSTED_PROXIES", "0"))
# `certtrack serve`: gunicorn worker processes.
CERTTRACK_WEB_WORKERS = int(os.environ.get("CERTTRACK_WEB_WORKERS", "3"))

# Steps of one worker pass, in order; each is called with `now` (and the keyword arguments
# the worker command's `step_arguments` names for it) and returns a count.
CERTTRACK_WORKER_STEPS = [
    "certtrack.certification.worker.record_time_transitions",
    "certtrack.operations.steps.grant_renewals",
    "certtrack.notifications.reminders.queue_reminders",
    "certtrack.notifications.delivery.deliver_due",
    # The Quick Filter's count aggregate (certification/counts.py): fold, daily check.
    "certtrack.certification.counts.fold_counts",
    "certtrack.certification.counts.check_counts",
    "certtrack.certification.progress_store.refresh_due_progress",  # recency ran out
    "certtrack.imports.jobs.run_queued",  # last: a long file does not hold up email
]

# Errors with tracebacks, 403s and failed sign-ins to stderr; also to this file (relative
# to the data dir) when set.
LOGGING = logs.config(os.environ.get("CERTTRACK_LOG_FILE"), DATA_DIR)

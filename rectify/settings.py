"""Django settings for Rectify.

Every setting comes from the environment with a working default, so a fresh checkout runs on
SQLite with no configuration. `.env.example` lists every variable.
"""

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.getenv("RECTIFY_VAR_DIR", BASE_DIR / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)  # the embedded SQLite file and uploads live here


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
    """Read NAME, or the file named by NAME_FILE (for container secrets)."""
    path = os.getenv(f"{name}_FILE")
    if path:
        return Path(path).read_text(encoding="utf-8").strip()
    return os.getenv(name, default)


DEBUG = env_bool("DEBUG", False)
SECRET_KEY = env_secret("SECRET_KEY", "insecure-dev-key-change-me-in-production")
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
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
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
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)  # WhiteNoise warns when it is missing
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

# Background work (imports of large files): a queue in the same database; run `rectify db_worker`.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

# Spreadsheet imports: the largest file accepted, and up to how many rows a page checks and
# imports within the request (larger files go to the background worker, with a progress bar).
IMPORT_MAX_BYTES = int(os.getenv("IMPORT_MAX_BYTES", str(200 * 1024 * 1024)))
IMPORT_INLINE_ROWS = int(os.getenv("IMPORT_INLINE_ROWS", "3000"))

# The JSON API: requests per token (or signed-in user, or address) and period.
API_RATE_LIMIT = os.getenv("API_RATE_LIMIT", "600/min")

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True

# The demo refuses to create its well-known passwords unless bound to a loopback address.
RECTIFY_DEMO_PASSWORD = "rectify-demo"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.getenv("LOG_LEVEL", "WARNING")},
}

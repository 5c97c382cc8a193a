"""Settings for the resolution tracker.

Everything that differs between a laptop and production comes from the
environment (see .env.example). With no variable set at all the app runs on
the embedded default: a SQLite file in var/, Celery tasks run eagerly, DEBUG on.
"""

from datetime import timedelta
from pathlib import Path

from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from config.env import env_bool, env_database, env_int, env_list, env_redis_url, env_str

BASE_DIR = Path(__file__).resolve().parent.parent

# --- Core -------------------------------------------------------------------
DEBUG = env_bool("DEBUG", True)

DEVELOPMENT_SECRET_KEY = "dev-only-insecure-key-do-not-use-in-production"
SECRET_KEY = env_str("SECRET_KEY", DEVELOPMENT_SECRET_KEY)
if not DEBUG and SECRET_KEY == DEVELOPMENT_SECRET_KEY:
    raise ImproperlyConfigured("SECRET_KEY is not set: the development key is refused when DEBUG is off")
if not DEBUG and len(SECRET_KEY) < 32:
    raise ImproperlyConfigured("SECRET_KEY must be at least 32 characters when DEBUG is off")

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"] if DEBUG else [])
if not DEBUG and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("ALLOWED_HOSTS must list the host names when DEBUG is off")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "bootstrap",
    "crispy_forms",
    "crispy_bootstrap5",
    "treebeard",
    "simple_history",
    "axes",
    "config",
    "units",
    "resolutions",
    "targets",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "config.middleware.ChosenLanguageMiddleware",
    # Before anything reads the body (CSRF reads request.POST): a too-large upload is refused unread.
    "config.middleware.RequestSizeLimitMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "config.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Axes last: it must see the authentication result of the views above.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

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
                "config.context_processors.site",
            ],
        },
    },
]

# --- Data -------------------------------------------------------------------
DATABASES = {"default": env_database("DATABASE_URL", f"sqlite:///{BASE_DIR / 'var' / 'db.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    (BASE_DIR / "var").mkdir(exist_ok=True)
    # The embedded default is one process at a time writing. Every transaction
    # takes the write lock when it begins (IMMEDIATE), so two saves queue for up
    # to `timeout` seconds instead of one failing with "database is locked" when
    # a read lock cannot be upgraded; WAL lets pages be read while a save writes.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL;",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Auth -------------------------------------------------------------------
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "targets:home"
LOGOUT_REDIRECT_URL = "login"

# Login protection (django-axes): lock a username + address pair after
# repeated failures, for a while, not forever.
AXES_ENABLED = env_bool("AXES_ENABLED", True)
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("AXES_COOLOFF_MINUTES", 15, minimum=1))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"

# --- Language and locale ---------------------------------------------------
LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", _("Tiếng Việt")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = "Asia/Ho_Chi_Minh"
USE_TZ = True
# Numbers are formatted explicitly by the |num and |pct filters, so that years
# and codes are never given thousand separators by accident.
USE_THOUSAND_SEPARATOR = False
FORMAT_MODULE_PATH = ["config.formats"]

# --- Static and uploaded files ---------------------------------------------
STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "var" / "staticfiles"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # WhiteNoise warns on every request without it
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
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(BASE_DIR / "var" / "media")))
MEDIA_URL = "/media/"

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# --- Celery -----------------------------------------------------------------
REDIS_URL = env_redis_url("REDIS_URL")
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = None
# No broker configured: run every task inline, in the request that enqueued it.
CELERY_TASK_ALWAYS_EAGER = REDIS_URL is None
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 15 * 60
CELERY_TASK_SOFT_TIME_LIMIT = 14 * 60
CELERY_TIMEZONE = TIME_ZONE
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Publishing is only a wake-up call (the ledger in the database is what the roll-up owes): a broker
# that refuses or hangs must not hold a request, so connect and read time out fast and nothing retries.
CELERY_BROKER_CONNECTION_TIMEOUT = 1
CELERY_TASK_PUBLISH_RETRY = False
CELERY_BROKER_TRANSPORT_OPTIONS = {"socket_connect_timeout": 1, "socket_timeout": 2, "max_retries": 0}
# While the database is unreachable the settle task retries this long, then leaves it to the sweep.
SETTLE_RETRY_WINDOW_S = env_int("SETTLE_RETRY_WINDOW_S", 600, minimum=1)
# Celery beat sweeps the ledger this often (a lost wake-up call costs at most this delay).
ROLLUP_SWEEP_SECONDS = env_int("ROLLUP_SWEEP_SECONDS", 60, minimum=1)
# /healthz?full=1 answers 503 when a change has waited longer than this to be settled.
READINESS_MAX_LAG_S = env_int("READINESS_MAX_LAG_S", 300, minimum=1)
CELERY_BEAT_SCHEDULE = {
    # The ledger sweep: settles whatever a lost wake-up call or a crash left owed.
    "rollup-settle-sweep": {
        "task": "targets.tasks.settle_pending_task",
        "schedule": float(ROLLUP_SWEEP_SECONDS),
    },
    # The nightly rebuild from the approved entries; the settled rows must equal it exactly.
    "rollup-full-nightly": {
        "task": "targets.tasks.rollup_full_task",
        "schedule": crontab(hour=1, minute=30),
    },
    "report-reminders-daily": {
        "task": "targets.tasks.send_reminders_task",
        "schedule": crontab(hour=7, minute=0),
    },
}

# --- E-mail -----------------------------------------------------------------
EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "van-phong@dang-uy-khoi.local")

# --- Product settings ---------------------------------------------------------
# Name in the top bar; the demo is the Bình Dương bloc of the 2020–2025 term.
SITE_NAME = env_str("SITE_NAME", "Đảng ủy Khối các cơ quan và doanh nghiệp tỉnh")
# Quarterly reports are due this many days after the quarter ends.
REPORT_DEADLINE_DAYS = env_int("REPORT_DEADLINE_DAYS", 15, minimum=0)
# "Hoàn thành xuất sắc" is capped at this share of those rated "hoàn thành tốt"
# (2019 guidance; whether it still holds is unverified, hence a setting).
EXCELLENT_CAP_PERCENT = env_int("EXCELLENT_CAP_PERCENT", 20, minimum=0)
# Reminder e-mails to units that have not sent their report: days before / after the deadline.
REMINDER_DAYS_BEFORE = env_int("REMINDER_DAYS_BEFORE", 3, minimum=0)
REMINDER_DAYS_AFTER = env_int("REMINDER_DAYS_AFTER", 2, minimum=0)
# Implementation plans are due this many days after the congress closes; plan files up to PLAN_MAX_MB.
PLAN_DEADLINE_DAYS = env_int("PLAN_DEADLINE_DAYS", 60, minimum=0)
PLAN_MAX_MB = env_int("PLAN_MAX_MB", 20, minimum=1)
# Party documents (Hướng dẫn 36-HD/VPTW): page margins in mm (top, bottom, left, right) and the
# place on the date line. The margins come from a bloc's handbook; the guideline's own clause is unverified.
DOC_MARGINS_MM = env_list("DOC_MARGINS_MM", ["25", "25", "35", "15"])
DOC_PLACE = env_str("DOC_PLACE", "Thủ Dầu Một")
# Evidence files (PDF, DOCX, XLSX, JPG, PNG) and uploaded Excel reports, in MB.
EVIDENCE_MAX_MB = env_int("EVIDENCE_MAX_MB", 10, minimum=1)
# Separation of duties: whoever sent a report, or entered any of its current figures, may not
# approve it. A one-person office may allow it (and then may also hold a unit role given by another admin).
ALLOW_SELF_APPROVAL = env_bool("ALLOW_SELF_APPROVAL", False)
# A request body is refused unread above max(EVIDENCE_MAX_MB, PLAN_MAX_MB) plus the form's other
# fields (config.middleware.RequestSizeLimitMiddleware). Those fields may take 2.5 MB (a report's
# notes, percent-encoded); an uploaded file above 2.5 MB is spooled to a temporary file, not kept in memory.
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {"axes": {"level": "WARNING"}},
}

try:
    DOC_MARGINS_MM = [float(v) for v in DOC_MARGINS_MM]
except ValueError:
    raise ImproperlyConfigured("DOC_MARGINS_MM must be four numbers in mm: top,bottom,left,right") from None
if len(DOC_MARGINS_MM) != 4 or not all(5 <= v <= 60 for v in DOC_MARGINS_MM):
    raise ImproperlyConfigured(
        "DOC_MARGINS_MM must be four numbers between 5 and 60 (mm): top,bottom,left,right"
    )

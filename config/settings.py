"""Settings for the resolution tracker.

Everything that differs between a laptop and production comes from the
environment (see .env.example). With no variable set at all the app runs on
the embedded default: a SQLite file in var/, Celery tasks run eagerly, DEBUG on.
"""

from datetime import timedelta
from pathlib import Path

from celery.schedules import crontab
from csp.constants import NONE, SELF, UNSAFE_INLINE
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
# Django's own deploy check (security.W009) asks for 50 characters or more.
if not DEBUG and (len(SECRET_KEY) < 50 or len(set(SECRET_KEY)) < 5):
    raise ImproperlyConfigured(
        "SECRET_KEY must be at least 50 characters (of at least 5 different ones) when DEBUG is off"
    )

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
    "csp",
    "config",
    "units",
    "resolutions",
    "targets",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Outermost of ours: it must see every database write of the request to tell a clerk,
    # when the database fails, whether anything of theirs was saved (config.outage).
    "config.middleware.DatabaseOutageMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "config.middleware.ChosenLanguageMiddleware",
    # Before anything reads the body (CSRF reads request.POST): a too-large upload is refused unread.
    "config.middleware.RequestSizeLimitMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "config.middleware.LoginRequiredMiddleware",
    "config.middleware.SessionIdleMiddleware",
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
else:
    # Persistent connections, checked at the start of each request: after a database restart
    # or failover the first request reconnects instead of failing once per worker.
    DATABASES["default"]["CONN_MAX_AGE"] = env_int("CONN_MAX_AGE", 60, minimum=0)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
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

# Login protection (django-axes, config.lockout): failures are counted per account (from any
# address) and per address (across accounts). An account is locked after AXES_FAILURE_LIMIT
# failures, an address after AXES_ADDRESS_FAILURE_LIMIT: an office behind one NAT shares an
# address, so a few typos of several clerks must not lock the whole office. Locks end by
# themselves after the cool-off, or when the bloc office unlocks them (/accounts/manage/).
AXES_ENABLED = env_bool("AXES_ENABLED", True)
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5, minimum=1)
AXES_ADDRESS_FAILURE_LIMIT = env_int("AXES_ADDRESS_FAILURE_LIMIT", 20, minimum=1)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("AXES_COOLOFF_MINUTES", 15, minimum=1))
# Each string is its own counter (axes 8: a nested list would count the pair together).
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_HANDLER = "config.lockout.AccountAndAddressHandler"
AXES_RESET_ON_SUCCESS = True
# Attempts while locked are refused without being counted, so the time the page announces holds.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_LOCKOUT_CALLABLE = "config.lockout.lockout_response"
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
# The client's address behind reverse proxies (config.lockout.client_address): with
# TRUSTED_PROXY_COUNT = n, the n-th address from the right of X-Forwarded-For (each of our proxies
# appends the address it received the request from; whatever the client wrote stands further left);
# with 0 (the default: nothing in front of gunicorn) the connection's own address, and
# X-Forwarded-For is ignored. (django-ipware's proxy count reads a one-proxy nginx chain
# "client" as no address at all, hence our own few lines.)
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0, minimum=0)
AXES_CLIENT_IP_CALLABLE = "config.lockout.client_address"

# Sessions end after SESSION_IDLE_MINUTES without a request (config.middleware.SessionIdleMiddleware
# renews the expiry at most once a minute, so reading pages costs no write per request).
SESSION_IDLE_MINUTES = env_int("SESSION_IDLE_MINUTES", 60, minimum=5)
SESSION_COOKIE_AGE = SESSION_IDLE_MINUTES * 60
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"

# HTTPS. Behind a reverse proxy that terminates TLS, SECURE_PROXY_SSL_HEADER=true trusts its
# X-Forwarded-Proto (the proxy must set it and strip the client's own). HSTS tells browsers to
# use HTTPS only, for SECURE_HSTS_SECONDS: switch it on once HTTPS works for the host.
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", False)
SECURE_PROXY_SSL_HEADER = (
    ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("SECURE_PROXY_SSL_HEADER", False) else None
)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", False)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
# /healthz is asked by the proxy or load balancer over plain HTTP on the private side.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]

# Content-Security-Policy (django-csp 4): scripts only from our own static files, never inline
# (no <script> blocks, no onclick=): an injected script cannot run. Inline style attributes stay
# allowed (progress bars and chart legends set widths and colours); Bootstrap's icons are data: URIs.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF, UNSAFE_INLINE],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}

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
# collectstatic writes here; the reverse proxy may serve it directly (README, Production).
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(BASE_DIR / "var" / "staticfiles")))
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
    # Notification e-mails that their own task could not send (broker down, mail server refusing).
    "notification-email-sweep": {
        "task": "targets.tasks.notification_email_sweep_task",
        "schedule": 300.0,
    },
    "report-reminders-daily": {
        "task": "targets.tasks.send_reminders_task",
        "schedule": crontab(hour=7, minute=0),
    },
}

# --- Caches and the API ------------------------------------------------------
# The default cache stays in each process's memory. The API's call counter (api.throttling) needs one
# count for every gunicorn worker and must keep working while Redis is down: a table in the database
# (created by the api app's migration).
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "api-throttle": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "api_throttle_cache",
    },
}
# Calls per personal token (or per signed-in user) allowed in a period: "<n>/second|minute|hour|day".
API_THROTTLE_RATE = env_str("API_THROTTLE_RATE", "120/minute")
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "api.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_THROTTLE_CLASSES": ["api.throttling.TokenRateThrottle"],
    # JSON only in production: the browsable pages are a development aid.
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"]
    + (["rest_framework.renderers.BrowsableAPIRenderer"] if DEBUG else []),
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_SCHEMA_CLASS": "api.schema.ApiSchema",
    "DEFAULT_PAGINATION_CLASS": "api.pagination.Pages",
    "PAGE_SIZE": 50,
    "EXCEPTION_HANDLER": "api.errors.handler",
    "COERCE_DECIMAL_TO_STRING": False,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "API Theo dõi thực hiện Nghị quyết",
    "DESCRIPTION": (
        "Đọc cây tổ chức, đại hội, nghị quyết, chỉ tiêu và số liệu như trên trang tổng quan; "
        "nhập, gửi, duyệt và trả lại báo cáo quý. Mỗi lệnh gọi theo đúng quyền của người giữ khóa."
    ),
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
}

# --- E-mail -----------------------------------------------------------------
EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "van-phong@dang-uy-khoi.local")

# --- Product settings ---------------------------------------------------------
# Name in the top bar; the demo is the Bình Dương bloc of the 2020–2025 term.
SITE_NAME = env_str("SITE_NAME", "Đảng ủy Khối các cơ quan và doanh nghiệp tỉnh")
# The address people open the site at: the links in notification e-mails start with it.
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000")
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

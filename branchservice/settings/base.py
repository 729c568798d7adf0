"""Settings shared by every environment; everything that differs comes from the environment."""

import datetime as dt
from pathlib import Path

import environ
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
# A developer may keep overrides in a .env file; production reads the real environment only.
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

# Port of the embedded Redis that `make run` starts (see branchservice/embedded_redis.py).
EMBEDDED_REDIS_PORT = env.int("EMBEDDED_REDIS_PORT", default=6390)

SECRET_KEY = env("SECRET_KEY", default="dev-only-insecure-key-never-use-in-production")
DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])

INSTALLED_APPS = [
    "branchservice.apps.BranchServiceAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_filters",
    "simple_history",
    "branchservice.apps.AxesConfig",
    "csp",
    # The second factor (TOTP, with backup codes); before branchservice, whose admin
    # unregisters their device admins (branchservice/twofactor).
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "branchservice",
    "complaints",
    "standards",
    "servicetimes",
    "reporting",
    "opinionbook",
    "branchservice.notifications",
    "branchservice.exports",
    "branchservice.rectifications",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    # Before anything reads a body (CSRF reads the form): refuses one that is too large.
    "branchservice.files.RequestSizeLimitMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # request.user.is_verified() (the session passed the second factor), and sends a signed-in
    # user who owes it to the code page before anything else runs.
    "branchservice.twofactor.middleware.SecondFactorMiddleware",
    "branchservice.sessions.IdleSessionRefreshMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # After auth and messages: sends a user with an expired password to change it.
    "branchservice.passwords.PasswordExpiryMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "csp.middleware.CSPMiddleware",
    # Last, as django-axes requires: it turns a lockout raised during login into the page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "branchservice.urls"
WSGI_APPLICATION = "branchservice.wsgi.application"

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
            ],
        },
    },
]

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Web, worker and beat write to one SQLite file in development: take the write lock when a
    # transaction starts (no mid-transaction "database is locked"), wait for it rather than
    # fail, and let readers go on while someone writes (WAL).
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "branchservice.User"
LOGIN_URL = "admin:login"
# AxesStandaloneBackend first: it refuses a locked-out user before the password is checked.
# StaffBackend is Django's ModelBackend loading a request's user, roles and permissions in
# two queries (branchservice/backends.py).
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "branchservice.backends.StaffBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    # A bank's policy: 12 characters at least, none of the 20,000 most common passwords
    # (Django's list), none of the person's last 5 (PasswordHistory).
    {
        "NAME": "branchservice.passwords.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "branchservice.passwords.PasswordReuseValidator", "OPTIONS": {"count": 5}},
]
# Days after which admin users must choose a new password; 0 (the default) never, as current
# guidance advises (branchservice/passwords.py, PasswordExpiryMiddleware).
PASSWORD_MAX_AGE_DAYS = env.int("PASSWORD_MAX_AGE_DAYS", default=0)

# Login protection (django-axes): 5 failed attempts for one username from one IP address lock
# that combination out for 30 minutes. Axes also keeps the login/logout log (AccessLog) and
# every failed attempt (AccessFailureLog), shown read-only in the admin as the login audit.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = dt.timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=30))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
# Thirty minutes from the lockout, as the page says; retrying meanwhile does not extend it.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_ENABLE_ACCESS_FAILURE_LOG = True
# Lockouts are still logged; the version banner on every manage.py command is not.
AXES_VERBOSE = False
AXES_LOCKOUT_CALLABLE = "branchservice.lockout.lockout_response"
# The admin pages for axes' records are ours (branchservice/admin.py): read-only and scoped.
AXES_ENABLE_ADMIN = False
# The client address (lockout, login and download logs): REMOTE_ADDR, or behind the proxies
# listed in TRUSTED_PROXIES (addresses or networks, e.g. 10.0.0.0/8) the right-most
# X-Forwarded-For address that is not one of them; see branchservice/client_ip.py.
AXES_CLIENT_IP_CALLABLE = "branchservice.client_ip.client_ip"
TRUSTED_PROXIES = env.list("TRUSTED_PROXIES", default=[])

# The second factor (TOTP, branchservice/twofactor): required of these roles and of superusers
# for every page but the login itself; anyone else who enrolled is asked for it too. Lobby
# managers' tablets (the checklist pages) are not asked unless their role is listed.
TWO_FACTOR_REQUIRED_ROLES = env.list(
    "TWO_FACTOR_REQUIRED_ROLES", default=["hq_service", "branch_manager", "auditor"]
)
TWO_FACTOR_REQUIRED_FOR_SUPERUSERS = env.bool("TWO_FACTOR_REQUIRED_FOR_SUPERUSERS", default=True)
# The name an authenticator app shows beside the account.
OTP_TOTP_ISSUER = env("TWO_FACTOR_ISSUER", default="Branch Service")
# Backup codes handed out at enrolment (and each time they are renewed); each works once.
TWO_FACTOR_BACKUP_CODES = 10
# Wrong codes slow the next try down: 1, 2, 4, 8... seconds per device (django-otp).
OTP_TOTP_THROTTLE_FACTOR = 1
OTP_STATIC_THROTTLE_FACTOR = 1

# Sessions end after SESSION_IDLE_MINUTES without a request and when the browser closes.
# Activity renews the deadline at most once a minute (branchservice/sessions.py).
SESSION_COOKIE_AGE = env.int("SESSION_IDLE_MINUTES", default=30) * 60
# Read from the cache (CACHES, shared by every web process), written through to the database:
# a request costs no session query, and a cleared cache loses no session.
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
SESSION_REFRESH_SECONDS = 60
SESSION_EXPIRE_AT_BROWSER_CLOSE = True

# Content security policy (django-csp; Django 5.2 has none built in). Scripts and styles only
# from our own static files: no inline scripts or event handlers anywhere, the admin included.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        # Style attributes (style="...") are allowed: the admin, simple-history and some of
        # our templates use them, and they cannot run code. <style> blocks stay forbidden.
        "style-src-attr": ["'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "staticfiles")
MEDIA_URL = "media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "media")

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# Largest complaint attachment accepted (scans, photos, recordings), in bytes.
COMPLAINT_ATTACHMENT_MAX_BYTES = env.int("COMPLAINT_ATTACHMENT_MAX_BYTES", default=10 * 1024 * 1024)

# History is a record, not an undo button: nobody reverts a row through the portal.
SIMPLE_HISTORY_REVERT_DISABLED = True

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# E-mail: EMAIL_URL such as smtp://user:pass@host:587 or consolemail:// (django-environ).
vars().update(env.email_url("EMAIL_URL", default="consolemail://"))
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="branchservice@localhost")

# Redis is the Celery broker and result store. The default is the embedded server that
# `make run` starts on loopback.
REDIS_URL = env("REDIS_URL", default=f"redis://127.0.0.1:{EMBEDDED_REDIS_PORT}/0")
# /healthz (branchservice/health.py): beat records a heartbeat every minute; older than this
# means beat or every worker has stopped.
HEALTH_BEAT_MAX_AGE = env.int("HEALTH_BEAT_MAX_AGE_SECONDS", default=180)
HEALTH_REDIS_TIMEOUT = 2
CELERY_BROKER_URL = REDIS_URL
CELERY_RESULT_BACKEND = REDIS_URL
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 15 * 60
CELERY_TASK_SOFT_TIME_LIMIT = 14 * 60
CELERY_RESULT_EXPIRES = 24 * 3600
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True

# Reporting: a filtered export of up to this many rows streams at once; a larger one runs as a
# background job whose file can be downloaded for this many days.
REPORTING_EXPORT_SYNC_LIMIT = env.int("REPORTING_EXPORT_SYNC_LIMIT", default=5000)
REPORTING_EXPORT_EXPIRY_DAYS = env.int("REPORTING_EXPORT_EXPIRY_DAYS", default=7)
# The page that lists a user's export jobs (where a queued export sends them).
EXPORTS_LIST_URL_NAME = "reporting:centre"

# The calendar caches a year's holiday overrides; the cache must be shared by web, worker and
# beat processes so that an override entered in the admin reaches the reminder jobs.
CACHES = {
    "default": env.cache("CACHE_URL", default=f"filecache://{VAR_DIR / 'cache'}"),
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "filters": {"mask_pii": {"()": "branchservice.pii.MaskPersonalDataFilter"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["mask_pii"],
        }
    },
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    # Django gives the dev server's request lines a handler of its own, without our filter:
    # they carry query strings (a search for a phone number, say).
    "loggers": {"django.server": {"handlers": ["console"], "level": "INFO", "propagate": False}},
}

# An outlet's usual opening hours, where its own are not set (branchservice.opening).
OUTLET_OPENS_AT = env("OUTLET_OPENS_AT", default="09:00")
OUTLET_CLOSES_AT = env("OUTLET_CLOSES_AT", default="17:00")

# Service-standard checklists (standards app).
# The daily self-check's daytime sections are due by this local time; its opening sections by
# the outlet's opening time, its closing sections this many minutes after it closes
# (standards.due).
STANDARDS_CHECKLIST_DUE_TIME = env("STANDARDS_CHECKLIST_DUE_TIME", default="18:00")
STANDARDS_CLOSING_CHECK_MINUTES = env.int("STANDARDS_CLOSING_CHECK_MINUTES", default=60)
# Photos of failed checklist items: JPEG, PNG or WebP up to this size.
STANDARDS_PHOTO_MAX_BYTES = env.int("STANDARDS_PHOTO_MAX_BYTES", default=5 * 1024 * 1024)
# Audio notes of checklist answers (M4A, AAC, MP3, WebM, Ogg or WAV): a minute of a phone's
# WAV recording is about 5 MB, of its M4A under 1 MB.
STANDARDS_AUDIO_MAX_BYTES = env.int("STANDARDS_AUDIO_MAX_BYTES", default=10 * 1024 * 1024)

# A failed item's rectification is due this many working days after the check.
STANDARDS_CORRECTIVE_ACTION_WORKING_DAYS = env.int(
    "STANDARDS_CORRECTIVE_ACTION_WORKING_DAYS", default=5
)

# Rectifications (整改): the owner is reminded this many days before the due date; evidence
# photos and scans are at most this large.
RECTIFICATION_WARNING_DAYS = env.int("RECTIFICATION_WARNING_DAYS", default=2)
RECTIFICATION_EVIDENCE_MAX_BYTES = env.int(
    "RECTIFICATION_EVIDENCE_MAX_BYTES", default=10 * 1024 * 1024
)

# Queue-system ticket logs (servicetimes): a file up to the sync size is imported in the
# request; a larger one runs as a Celery job with progress. A file is at most MAX_ROWS tickets
# (a big outlet's quarter is about 100,000) and MAX_BYTES.
SERVICETIMES_IMPORT_SYNC_BYTES = env.int("SERVICETIMES_IMPORT_SYNC_BYTES", default=512 * 1024)
SERVICETIMES_IMPORT_MAX_ROWS = env.int("SERVICETIMES_IMPORT_MAX_ROWS", default=150_000)
SERVICETIMES_IMPORT_MAX_BYTES = env.int("SERVICETIMES_IMPORT_MAX_BYTES", default=40 * 1024 * 1024)

# The largest request body accepted at all, checked from Content-Length before it is read
# (branchservice/files.py): the largest upload a page takes (the queue file) and 1 MB for the
# form around it. Each upload then has its own limit above (attachments, photos, queue files).
UPLOAD_REQUEST_MAX_BYTES = env.int(
    "UPLOAD_REQUEST_MAX_BYTES",
    default=max(
        COMPLAINT_ATTACHMENT_MAX_BYTES,
        STANDARDS_PHOTO_MAX_BYTES,
        STANDARDS_AUDIO_MAX_BYTES,
        SERVICETIMES_IMPORT_MAX_BYTES,
    )
    + 1024 * 1024,
)


# The customer's side (opinionbook): the public opinion book and progress lookup. Limits are
# "count/minutes", counted in the shared cache (branchservice/ratelimit.py): submissions per
# client address and per outlet, lookups per address; a reference is locked after
# OPINION_LOOKUP_MAX_FAILURES wrong codes for OPINION_LOOKUP_LOCK_MINUTES.
def _rate(name, default):
    count, minutes = env(name, default=default).split("/")
    return int(count), int(minutes)


OPINION_BOOK_RATE_LIMITS = {
    "per_address": _rate("OPINION_BOOK_LIMIT_PER_ADDRESS", "5/10"),
    "per_outlet": _rate("OPINION_BOOK_LIMIT_PER_OUTLET", "30/60"),
    "lookup_per_address": _rate("OPINION_LOOKUP_LIMIT_PER_ADDRESS", "20/10"),
}
OPINION_LOOKUP_MAX_FAILURES = env.int("OPINION_LOOKUP_MAX_FAILURES", default=5)
OPINION_LOOKUP_LOCK_MINUTES = env.int("OPINION_LOOKUP_LOCK_MINUTES", default=30)
# A one-time satisfaction link (the follow-up answered by the customer) expires after this.
OPINION_SATISFACTION_LINK_DAYS = env.int("OPINION_SATISFACTION_LINK_DAYS", default=7)
# What a customer may type, and the largest body a public form takes (refused before it is
# read: branchservice.files.max_request_bytes).
OPINION_BOOK_TEXT_MAX_CHARS = env.int("OPINION_BOOK_TEXT_MAX_CHARS", default=2000)
OPINION_BOOK_REQUEST_MAX_CHARS = env.int("OPINION_BOOK_REQUEST_MAX_CHARS", default=1000)
OPINION_BOOK_MAX_BODY_BYTES = env.int("OPINION_BOOK_MAX_BODY_BYTES", default=32 * 1024)
# The reference and lookup code by text message to the mobile number the customer gave,
# through the bank's SMS gateway (opinionbook/sms.py); no URL, no text messages.
OPINION_SMS_GATEWAY_URL = env("OPINION_SMS_GATEWAY_URL", default="")
OPINION_SMS_GATEWAY_TOKEN = env("OPINION_SMS_GATEWAY_TOKEN", default="")
OPINION_SMS_BACKEND = env("OPINION_SMS_BACKEND", default="opinionbook.sms.HttpGateway")
# The customer waits on the page while it is sent: a hanging gateway costs them this long.
OPINION_SMS_TIMEOUT_SECONDS = env.int("OPINION_SMS_TIMEOUT_SECONDS", default=3)

# Reminders (branchservice/notifications). Nothing is sent outside these hours or on
# non-working days: it is held for the next working morning's digest.
NOTIFICATIONS_WORKING_HOURS = (
    env("REMINDERS_WORKDAY_START", default="08:30"),
    env("REMINDERS_WORKDAY_END", default="18:00"),
)
# Off only in the demo (dev.py), so that reminders show in the console at any hour.
NOTIFICATIONS_HOLD_OUTSIDE_WORKING_HOURS = env.bool("REMINDERS_HOLD", default=True)
NOTIFICATIONS_SCAN_MINUTES = env.int("REMINDERS_SCAN_MINUTES", default=15)
# Modules that say what is due (see branchservice/notifications/registry.py).
NOTIFICATIONS_SCANNERS = [
    "complaints.reminders",
    "standards.reminders",
    "branchservice.rectifications.reminders",
]
NOTIFICATIONS_CHANNELS = [
    "branchservice.notifications.channels.EmailChannel",
    "branchservice.notifications.channels.WeComChannel",
]
# A failed send is retried after 1, 2, 4, 8 minutes, then marked failed in the admin.
NOTIFICATIONS_MAX_ATTEMPTS = env.int("REMINDERS_MAX_ATTEMPTS", default=5)
NOTIFICATIONS_RETRY_BACKOFF_SECONDS = env.int("REMINDERS_RETRY_BACKOFF_SECONDS", default=60)
# Longer than a delivery task's time limit: a claim this old belongs to a dead worker.
NOTIFICATIONS_CLAIM_TIMEOUT_SECONDS = 10 * 60
NOTIFICATIONS_WECOM_TIMEOUT_SECONDS = env.int("REMINDERS_WECOM_TIMEOUT_SECONDS", default=5)
# The worker posts to WeCom group bots only over https to these hosts ("*.x" admits x's
# subdomains), and only to public addresses: see branchservice/notifications/wecom.py. A bank
# running its own WeCom server lists it, allows private addresses and names its CA bundle.
NOTIFICATIONS_WECOM_HOSTS = env.list("REMINDERS_WECOM_HOSTS", default=["qyapi.weixin.qq.com"])
NOTIFICATIONS_WECOM_ALLOW_PRIVATE_ADDRESSES = env.bool(
    "REMINDERS_WECOM_ALLOW_PRIVATE_ADDRESSES", default=False
)
NOTIFICATIONS_WECOM_CA_FILE = env("REMINDERS_WECOM_CA_FILE", default="")
# Links in mails point here.
NOTIFICATIONS_SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000")
# Today's checklist must be submitted by the first time (lobby managers are reminded), the
# outlet head hears of it at the second.
CHECKLIST_REMINDER_AT = env("CHECKLIST_REMINDER_AT", default="10:00")
CHECKLIST_ESCALATION_AT = env("CHECKLIST_ESCALATION_AT", default="11:30")

"""MMIP Evidence settings: one module, configured from the environment.

With no environment at all the app runs for development: SQLite in ``var/``, Celery tasks run eagerly
in-process, e-mail printed to the console. Setting ``DATABASE_URL`` and ``REDIS_URL`` switches to
PostgreSQL, Redis and real Celery workers, which is how it is deployed. With ``DEBUG=0`` the secrets and
hosts must come from the environment, or the app refuses to start.
"""

import hashlib
import os
import secrets
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

from mmip import queues

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(name)
    return default if value is None else value


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    lowered = value.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name}={value!r} is not a boolean (use 1/0, true/false, yes/no, on/off)")


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={value!r} is not a whole number") from None


def env_float(name: str, default: float) -> float:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    try:
        return float(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={value!r} is not a number") from None


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if value is None:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


def _dev_secret_key() -> str:
    """A per-checkout key for development, kept in var/ (git-ignored) so sessions survive restarts."""
    path = VAR_DIR / "dev-secret-key"
    if not path.exists():
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(50))
    return path.read_text().strip()


DEBUG = env_bool("DEBUG", True)

SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG=0")
    SECRET_KEY = _dev_secret_key()

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]", "testserver"] if DEBUG else [])
if not DEBUG and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("ALLOWED_HOSTS must be set when DEBUG=0 (comma-separated host names)")
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
    "django.contrib.postgres",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_htmx",
    "simple_history",
    "evidence",
    "recommendations",
]

MIDDLEWARE = [
    # First: every log line of a request, and the tasks it publishes, carry its id (mmip/logs.py).
    "mmip.logs.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    # Before CSRF, the first to read a form: an oversized one gets a page that states the limit.
    "evidence.middleware.RequestTooBigMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "evidence.signin.RequireSecondFactorMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, so its process_exception runs first: a lost database connection during a submitter's post gives
    # a page that keeps what was typed, not a bare 500.
    "evidence.middleware.DatabaseUnavailableMiddleware",
]

ROOT_URLCONF = "mmip.urls"
WSGI_APPLICATION = "mmip.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "evidence.context_processors.site",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------------------
DATABASE_URL = env_str("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'db.sqlite3'}"
if DATABASE_URL.startswith("sqlite:///"):
    VAR_DIR.mkdir(parents=True, exist_ok=True)
# PostgreSQL connections persist for a minute (health-checked before reuse): a new connection per
# request costs a server process fork and an authentication round trip, several milliseconds each.
_conn_max_age = env_int("CONN_MAX_AGE", 0 if DATABASE_URL.startswith("sqlite") else 60)
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=_conn_max_age)}
_db = DATABASES["default"]
# Parallel checkouts (and CI beside a developer) share one PostgreSQL server: a per-checkout test
# database name keeps their throwaway databases apart.
_checkout = hashlib.sha256(str(BASE_DIR).encode()).hexdigest()[:8]
if _db["ENGINE"] == "django.db.backends.sqlite3":
    # IMMEDIATE transactions take the write lock up front, so concurrent writers queue on the busy
    # timeout instead of failing with "database is locked" when a read lock is upgraded.
    _db.setdefault("OPTIONS", {}).update(
        {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
else:
    _db["TEST"] = {"NAME": env_str("TEST_DATABASE_NAME") or f"test_mmip_{_checkout}"}
    _db["CONN_HEALTH_CHECKS"] = True
IS_POSTGRES = _db["ENGINE"] == "django.db.backends.postgresql"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis, cache and Celery ----------------------------------------------------------------------------
REDIS_URL = env_str("REDIS_URL") or ""
if REDIS_URL:
    CACHES = {
        "default": {
            # Redis, falling back to each process's memory while Redis is unreachable (mmip/cache.py).
            "BACKEND": "mmip.cache.ResilientRedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
            # Deployments (or a test's) sharing one Redis database keep their cached keys apart.
            "KEY_PREFIX": env_str("CACHE_KEY_PREFIX") or "",
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

CELERY_BROKER_URL = REDIS_URL or "memory://localhost/"
# Without a broker, tasks run in-process when enqueued (after the transaction commits).
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = False
# Work is routed by kind to two queues, each with its own worker (mmip/queues.py, Procfile): receipts never
# wait behind an analysis. MMIP_QUEUE_PREFIX keeps a test session's or a benchmark's queues apart.
MMIP_QUEUE_PREFIX = env_str("MMIP_QUEUE_PREFIX") or queues.DEFAULT_PREFIX
MMIP_QUEUES = queues.queue_names(MMIP_QUEUE_PREFIX)
CELERY_TASK_ROUTES = queues.task_routes(MMIP_QUEUE_PREFIX)
CELERY_TASK_DEFAULT_QUEUE = MMIP_QUEUES["analysis"]
# Nothing that matters lives in the result backend: job state is on database rows. The backend only
# counts a chord's finished header tasks (the compilation's per-component tasks).
CELERY_TASK_IGNORE_RESULT = True
CELERY_RESULT_BACKEND = REDIS_URL or None
CELERY_RESULT_EXPIRES = 24 * 3600
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A worker keeps its database connection from task to task, as a web process does from request to request.
# Celery's Django fix-up otherwise closes it before and after every task, so each task opened a new one: on
# PostgreSQL a new server process and an authentication, at about three tasks a submit (bench/README.md).
# The fix-up now closes only every 2 × this many tasks; mmip/celery.py runs Django's close_old_connections
# around each task instead, which closes a connection that broke or outlived CONN_MAX_AGE, as after a request.
CELERY_DB_REUSE_MAX = 10_000
# A submit must never hang on a dead broker: give up quickly, the outbox sweeper re-sends later.
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 2,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.5,
}
# The visibility timeout: how long Redis waits before handing an unacknowledged task (its worker died) to
# another worker. It must outlast the longest task the worker may still be running, or that task runs twice;
# the shorter it is, the sooner a killed worker's task is picked up again. So it is set per kind of work: a
# worker started with MMIP_WORKER_KIND takes that kind's bound and keeps its own set of unacknowledged tasks
# (Redis restores expired ones per set, so a fast worker's short bound never hands out a long analysis task
# still running). Without a kind (one worker for everything), the longest bound. CELERY_VISIBILITY_TIMEOUT
# overrides it (the integration tests use 5 s). A stalled compilation is also re-queued by the watchdog
# (MMIP_COMPILATION_STALL_MINUTES), well before its visibility timeout.
VISIBILITY_TIMEOUTS = {
    "fast": 300,  # receipts (hard limit 90 s), the outbox sweep
    "analysis": 2400,  # exports (hard limit 1,900 s), compilation, imports, text extraction, duplicates
}
MMIP_WORKER_KIND = env_str("MMIP_WORKER_KIND", "") or ""
if MMIP_WORKER_KIND and MMIP_WORKER_KIND not in VISIBILITY_TIMEOUTS:
    raise ImproperlyConfigured(f"MMIP_WORKER_KIND={MMIP_WORKER_KIND!r}: use one of {', '.join(VISIBILITY_TIMEOUTS)}")
# An analysis worker runs at a lower CPU priority (nice, 0–19; mmip/celery.py): on a machine it shares with
# web processes and the fast worker, pages, submits and receipts come first and duplicate detection, search
# text and compilations take the CPU left over (they may lag in a rush; receipts may not). On a machine of
# its own it changes nothing. 0 keeps the priority it was started with.
MMIP_ANALYSIS_NICE = env_int("MMIP_ANALYSIS_NICE", 10)
if not 0 <= MMIP_ANALYSIS_NICE <= 19:
    raise ImproperlyConfigured(f"MMIP_ANALYSIS_NICE={MMIP_ANALYSIS_NICE}: use a niceness from 0 to 19")
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "socket_connect_timeout": 2,
    "socket_timeout": 5,
    "visibility_timeout": env_int(
        "CELERY_VISIBILITY_TIMEOUT", VISIBILITY_TIMEOUTS.get(MMIP_WORKER_KIND, max(VISIBILITY_TIMEOUTS.values()))
    ),
}
if MMIP_WORKER_KIND:
    CELERY_BROKER_TRANSPORT_OPTIONS |= {
        "unacked_key": f"unacked.{MMIP_WORKER_KIND}",
        "unacked_index_key": f"unacked_index.{MMIP_WORKER_KIND}",
        "unacked_mutex_key": f"unacked_mutex.{MMIP_WORKER_KIND}",
    }
CELERY_BROKER_CONNECTION_TIMEOUT = 2
# The leads' dashboard shows stored figures (recommendations.dashboard): beat recomputes those of open
# consultations every MMIP_DASHBOARD_REFRESH_SECONDS; opening a page older than MMIP_DASHBOARD_MAX_AGE
# seconds (a closed consultation, or beat not running) queues a recomputation.
MMIP_DASHBOARD_REFRESH_SECONDS = env_int("MMIP_DASHBOARD_REFRESH_SECONDS", 120)
MMIP_DASHBOARD_MAX_AGE = env_int("MMIP_DASHBOARD_MAX_AGE", 300)
CELERY_BEAT_SCHEDULE = {
    "outbox-sweep": {"task": "evidence.tasks.outbox_sweep", "schedule": 60.0},
    "compilation-watchdog": {"task": "recommendations.tasks.recover_stalled_runs", "schedule": 60.0},
    # Respondents' personal data is erased when each consultation's retention period ends (logged).
    "personal-data-erasure": {"task": "evidence.tasks.erase_due_personal_data", "schedule": crontab(hour=3, minute=15)},
    "expired-sessions": {"task": "evidence.tasks.clear_expired_sessions", "schedule": crontab(hour=3, minute=45)},
    "dashboard-refresh": {
        "task": "recommendations.tasks.refresh_dashboards",
        "schedule": float(MMIP_DASHBOARD_REFRESH_SECONDS),
    },
}
CELERY_TIMEZONE = "Europe/London"
# Beat (exactly one process) keeps the times of its last runs here.
CELERY_BEAT_SCHEDULE_FILENAME = env_str("CELERY_BEAT_SCHEDULE_FILENAME") or str(VAR_DIR / "celerybeat-schedule")

# --- Auth (django-allauth) ------------------------------------------------------------------------------
AUTHENTICATION_BACKENDS = [
    # allauth's sign-in; the signed-in user read with their permissions in one statement (evidence/backends.py).
    "evidence.backends.AuthenticationBackend",
    # Only for sessions signed in before the line above: a session names the backend that signed it in.
    "allauth.account.auth_backends.AuthenticationBackend",
]
# Argon2id first, as Django's documentation recommends: memory-hard, and about a quarter of the CPU time
# of PBKDF2 at Django 6's 1,500,000 iterations (bench/README.md, "Load"). Older hashes still verify and
# are upgraded at the next sign-in.
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
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_UNIQUE_EMAIL = True
# Confirming the address from the e-mail signs the new member in (in the browser that signed up).
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_FORMS = {
    "login": "evidence.account_forms.LoginForm",
    "signup": "evidence.account_forms.SignupForm",
    "reset_password": "evidence.account_forms.ResetPasswordForm",  # nosec B105: a class path, not a password
}
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[MMIP Evidence] "
# Sign-in throttling (needs the shared cache, i.e. Redis, when several web processes run): failed attempts
# per address and per account, and sign-ins per address. Only the load benchmark, whose 200 simulated users
# share 127.0.0.1, raises the per-address sign-in limit.
ACCOUNT_RATE_LIMITS = {
    "login": env_str("LOGIN_RATE_LIMIT", "30/m/ip"),
    "login_failed": "10/m/ip,5/5m/key",
}
# A second factor (an authenticator app, with recovery codes) for staff and for anyone who may see
# confidential evidence, set up at first sign-in (evidence.signin); submitters may opt in.
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "MMIP Evidence"
# Development only: the demo accounts (password printed by `make run`) and a developer's superusers skip the
# second factor; every other staff account sets one up. A system check (mmip.E101) refuses it with DEBUG=0.
MMIP_MFA_EXEMPT_IN_DEVELOPMENT = env_bool("MMIP_MFA_EXEMPT_IN_DEVELOPMENT", DEBUG)
LOGIN_REDIRECT_URL = "evidence:my_submissions"
LOGIN_URL = "account_login"

# --- E-mail ---------------------------------------------------------------------------------------------
# Django 6.1's MAILERS. In development mail is printed to the console; in production it goes by SMTP
# (EMAIL_HOST and friends) unless EMAIL_BACKEND names another backend.
EMAIL_BACKEND = env_str("EMAIL_BACKEND") or (
    "evidence.mail.ConsoleEmailBackend" if DEBUG else "django.core.mail.backends.smtp.EmailBackend"
)
_mail_options: dict = {}
if EMAIL_BACKEND.endswith("smtp.EmailBackend"):
    _mail_options = {
        # No default in production: an unset EMAIL_HOST fails `check --deploy` (mmip.E104), not the first receipt.
        "host": env_str("EMAIL_HOST", "localhost" if DEBUG else ""),
        "port": env_int("EMAIL_PORT", 25),
        "username": env_str("EMAIL_HOST_USER", ""),
        "password": env_str("EMAIL_HOST_PASSWORD", ""),
        "use_tls": env_bool("EMAIL_USE_TLS", False),
        "timeout": env_int("EMAIL_TIMEOUT", 10),
    }
elif EMAIL_BACKEND.endswith("filebased.EmailBackend"):
    _mail_options = {"file_path": env_str("EMAIL_FILE_PATH") or str(VAR_DIR / "mail")}
MAILERS = {"default": {"BACKEND": EMAIL_BACKEND, "OPTIONS": _mail_options}}
del EMAIL_BACKEND
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "MMIP Evidence <evidence@mmip.example>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Internationalisation -------------------------------------------------------------------------------
LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

# --- Static and media files -----------------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT") or BASE_DIR / "var" / "static")
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # WhiteNoise expects it, even before collectstatic
# Front-end packages come from npm (package-lock.json) and are served from node_modules, never a CDN.
_npm = BASE_DIR / "node_modules"
STATICFILES_DIRS = [
    BASE_DIR / "static",
    ("vendor/bootstrap", _npm / "bootstrap" / "dist"),
    ("vendor/htmx", _npm / "htmx.org" / "dist"),
    ("vendor/chartjs", _npm / "chart.js" / "dist"),
]
# Uploads ("default") and exports ("exports") go through Django's storage API only (mmip/storage.py): folders
# on this host by default (MEDIA_ROOT, MMIP_EXPORT_ROOT), or an S3-compatible bucket when MMIP_S3_BUCKET is
# set, so that web and worker hosts need not share a disk. Credentials come the usual boto3 ways
# (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, an instance role); the bucket must not be public.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "exports": {"BACKEND": "mmip.storage.ExportStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
MMIP_S3_BUCKET = env_str("MMIP_S3_BUCKET") or ""
if MMIP_S3_BUCKET:
    _s3 = {
        "bucket_name": MMIP_S3_BUCKET,
        "endpoint_url": env_str("MMIP_S3_ENDPOINT_URL") or None,  # MinIO, Ceph, another provider's S3
        "region_name": env_str("MMIP_S3_REGION") or None,
        "default_acl": None,  # objects inherit the bucket's (private) policy
        "querystring_auth": True,  # never a public URL; downloads go through permission-checked views
        "querystring_expire": 300,
    }
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {**_s3, "location": env_str("MMIP_S3_MEDIA_PREFIX") or "media", "file_overwrite": False},
    }
    STORAGES["exports"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {**_s3, "location": env_str("MMIP_S3_EXPORTS_PREFIX") or "exports", "file_overwrite": True},
    }
MEDIA_ROOT = Path(env_str("MEDIA_ROOT") or BASE_DIR / "var" / "media")
# Uploaded evidence is never served as a public URL: downloads go through a permission-checked view, and
# no route serves this prefix (it exists because Django's test servers expect a media URL).
MEDIA_URL = "/media-is-not-served/"

# --- Forms ----------------------------------------------------------------------------------------------
CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# --- Security -------------------------------------------------------------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
# Database sessions, read with one plain statement on every signed-in request (evidence/sessions.py).
SESSION_ENGINE = "evidence.sessions"
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF, "data:"],
    "connect-src": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF],
    "base-uri": [CSP.SELF],
    "object-src": [CSP.NONE],
}
if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    # The health pages answer over plain HTTP: a load balancer or container check asks gunicorn directly,
    # behind the proxy that terminates TLS (python -m mmip.probe).
    SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    # Only a benchmark on plain HTTP to 127.0.0.1 turns these off (bench/load/run.sh).
    SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", True)
    CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", True)
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
    # Preloading (browsers' built-in HTTPS-only list) is a decision about the whole domain and takes months
    # to undo: the domain's owner opts in. Until then Django's reminder (security.W021) is silenced.
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
    if not SECURE_HSTS_PRELOAD:
        SILENCED_SYSTEM_CHECKS = ["security.W021"]

# Uploads larger than this stream to a temporary file instead of memory.
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# LOG_FORMAT=json: one JSON object per line, with the request id that follows the work into Celery tasks
# (mmip/logs.py), for a log collector. The default is plain text for people.
LOG_FORMAT = (env_str("LOG_FORMAT") or "plain").strip().lower()
if LOG_FORMAT not in {"plain", "json"}:
    raise ImproperlyConfigured(f"LOG_FORMAT={LOG_FORMAT!r}: use plain or json")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"},
        "json": {"()": "mmip.logs.JsonFormatter"},
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # fpdf2 subsets fonts with fontTools, which logs every table it prunes at INFO.
        "fontTools": {"level": "WARNING"},
    },
}

# Error reporting (mmip/errors.py): to Sentry when SENTRY_DSN is set, personal data scrubbed.
SENTRY_DSN = env_str("SENTRY_DSN") or ""
if SENTRY_DSN:
    from mmip import errors

    errors.init(
        SENTRY_DSN,
        environment=env_str("SENTRY_ENVIRONMENT") or ("development" if DEBUG else "production"),
        release=env_str("SENTRY_RELEASE") or None,
    )

# --- MMIP ----------------------------------------------------------------------------------------------
# The site's address in links that leave it (the receipt e-mail). Unset in development: taken from the request
# that submitted. Unset in production: https:// and the first ALLOWED_HOSTS name.
MMIP_SITE_URL = (env_str("MMIP_SITE_URL") or "").rstrip("/")
if not MMIP_SITE_URL and not DEBUG:
    MMIP_SITE_URL = f"https://{ALLOWED_HOSTS[0].lstrip('.')}"
MMIP_UPLOAD_MAX_BYTES = env_int("MMIP_UPLOAD_MAX_BYTES", 20 * 1024 * 1024)
MMIP_UPLOADS_PER_SUBMISSION = env_int("MMIP_UPLOADS_PER_SUBMISSION", 10)
MMIP_REFERENCE_PREFIX = env_str("MMIP_REFERENCE_PREFIX", "MMIP") or "MMIP"
MMIP_DUAL_REVIEW_SHARE = env_float("MMIP_DUAL_REVIEW_SHARE", 0.2)
MMIP_COVERAGE_GAP_THRESHOLD = env_int("MMIP_COVERAGE_GAP_THRESHOLD", 3)
MMIP_RETENTION_DAYS = env_int("MMIP_RETENTION_DAYS", 365)
# A compilation run with no progress for this long has lost its worker: it is queued again, up to
# MMIP_COMPILATION_ATTEMPTS runs in all, then failed with a message. Longer than a component's hard time
# limit (11 minutes), so a slow component is not mistaken for a dead worker.
MMIP_COMPILATION_STALL_MINUTES = env_int("MMIP_COMPILATION_STALL_MINUTES", 15)
MMIP_COMPILATION_ATTEMPTS = env_int("MMIP_COMPILATION_ATTEMPTS", 2)
# /readyz (mmip/readiness.py) fails when outbox work has waited longer than this, or when the last scheduled
# outbox sweep (every minute) is older than this: the broker, the fast worker or beat is down.
MMIP_READY_OUTBOX_MAX_AGE = env_int("MMIP_READY_OUTBOX_MAX_AGE", 600)
MMIP_READY_BEAT_MAX_AGE = env_int("MMIP_READY_BEAT_MAX_AGE", 300)
MMIP_EXPORT_ROOT = Path(env_str("MMIP_EXPORT_ROOT") or MEDIA_ROOT / "exports")
